"""A model whose settings are one config dataclass, built from keyword options.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Window:
...     k: int = 2
>>> class Demo(ConfiguredModel):
...     Config = Window
...     def predict(self, texts): ...
>>> Demo(k=3).config
Window(k=3)
>>> import inspect; inspect.signature(Demo)  # callers may pick the options a model takes
<Signature (config=None, *, k=2)>
>>> Demo(width=3)
Traceback (most recent call last):
...
challenges.errors.InvalidArgument: unknown option 'width' for Demo: it takes k
"""

from __future__ import annotations

import inspect
from dataclasses import fields
from typing import Any, ClassVar

from baselines.base import Model
from challenges.errors import InvalidArgument


class ConfiguredModel(Model):
    """``Model(config)`` or ``Model(**options)``; ``Config`` is the subclass's config dataclass."""

    Config: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "Config" in cls.__dict__:
            # The real signature is `**options`; advertise the config's fields instead, so that
            # code choosing options by signature (hofstadter.run) offers only those.
            Parameter = inspect.Parameter
            parameters = [Parameter("config", Parameter.POSITIONAL_OR_KEYWORD, default=None)]
            parameters += [
                Parameter(f.name, Parameter.KEYWORD_ONLY, default=f.default)
                for f in fields(cls.Config)
            ]
            cls.__signature__ = inspect.Signature(parameters)

    def __init__(self, config: Any = None, **options: Any) -> None:
        if config is not None and options:
            raise InvalidArgument("give a config or keyword options, not both")
        if config is None:
            known = [f.name for f in fields(self.Config)]
            for name in options:
                if name not in known:
                    raise InvalidArgument(
                        f"unknown option {name!r} for {type(self).__name__}: "
                        f"it takes {', '.join(known)}"
                    )
            config = self.Config(**options)
        self.config = config
