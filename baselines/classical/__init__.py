"""The field's classical learners of regular languages: RPNI and EDSM (grammatical inference)."""
