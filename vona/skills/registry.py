"""Skills (tools) by name, each with an argument schema that is checked before it runs.

A skill is described by a JSON schema (validated with ``jsonschema``), a pydantic model,
or, when neither is given, a model built from the function's signature. A skill may be a
plain function (run in a worker thread) or a coroutine function.

    registry = SkillRegistry()

    @registry.skill(description="Weather for a city")
    async def weather(city: str, unit: Literal["c", "f"] = "c") -> dict: ...

    registry.register("lookup", lookup, schema={"type": "object", ...})
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_type_hints

import jsonschema
from pydantic import BaseModel, ValidationError, create_model

from vona.config import ToolSpec
from vona.errors import ConfigError, SkillError

__all__ = ["Skill", "SkillArgumentError", "SkillRegistry"]

F = TypeVar("F", bound=Callable[..., Any])
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


class SkillArgumentError(SkillError):
    """Arguments for a skill failed to parse or validate; the message says where."""


@dataclass(slots=True, frozen=True)
class Skill:
    """A registered skill. ``call_style`` is ``model`` (fn gets the pydantic instance) or
    ``kwargs`` (fn gets the validated arguments as keyword arguments)."""

    name: str
    fn: Callable[..., Any]
    description: str
    parameters: dict[str, Any]
    model: type[BaseModel] | None
    call_style: Literal["model", "kwargs"]
    timeout_s: float | None
    is_async: bool
    validator: Any = None

    def spec(self) -> ToolSpec:
        """The ``ToolSpec`` to put in ``SessionConfig.tools``."""
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def validate(self, arguments: str | dict[str, Any]) -> Any:
        """Parse and check arguments; raises ``SkillArgumentError`` naming what is wrong."""
        args = _decode(self.name, arguments)
        if self.model is not None:
            try:
                return self.model.model_validate(args)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
                    for err in exc.errors()
                )
                raise SkillArgumentError(f"invalid arguments for {self.name}: {problems}") from None
        errors = sorted(self.validator.iter_errors(args), key=lambda e: list(e.absolute_path))
        if errors:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
                for e in errors
            )
            raise SkillArgumentError(f"invalid arguments for {self.name}: {problems}")
        return args

    def bind(self, validated: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Positional and keyword arguments to call ``fn`` with."""
        if self.call_style == "model":
            return (validated,), {}
        if isinstance(validated, BaseModel):
            return (), {k: getattr(validated, k) for k in type(validated).model_fields}
        return (), dict(validated)


def _decode(name: str, arguments: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(arguments, str):
        try:
            value = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise SkillArgumentError(
                f"arguments for {name} are not valid JSON: {exc.msg} at position {exc.pos}"
            ) from None
    else:
        value = arguments
    if not isinstance(value, dict):
        raise SkillArgumentError(
            f"arguments for {name} must be a JSON object, got {type(value).__name__}"
        )
    return value


def _model_from_signature(name: str, fn: Callable[..., Any]) -> type[BaseModel]:
    try:
        hints = get_type_hints(fn)
    except Exception as exc:
        raise ConfigError(f"cannot read type hints of skill {name}: {exc}") from exc
    fields: dict[str, Any] = {}
    for pname, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            raise ConfigError(
                f"skill {name}: parameter {pname!r} must be a plain or keyword-only parameter"
            )
        annotation = hints.get(pname, Any)
        default = ... if param.default is param.empty else param.default
        fields[pname] = (annotation, default)
    model: type[BaseModel] = create_model(f"{name}_arguments", **fields)
    return model


class SkillRegistry:
    """Skills by name. Register with ``register(...)`` or the ``@skill(...)`` decorator."""

    def __init__(self) -> None:
        self._skills: dict[str, Skill] = {}

    def register(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        schema: dict[str, Any] | None = None,
        model: type[BaseModel] | None = None,
        description: str | None = None,
        timeout_s: float | None = None,
    ) -> Skill:
        """Add a skill. Give ``schema`` (JSON schema) or ``model`` (pydantic; the function
        then receives the model instance), or neither to derive a model from ``fn``'s
        signature. ``timeout_s`` overrides the executor's default timeout."""
        if not _NAME.match(name):
            raise ConfigError(
                f"skill name {name!r} must match {_NAME.pattern} (letters, digits, _ . -)"
            )
        if name in self._skills:
            raise ConfigError(f"skill {name!r} is already registered")
        if schema is not None and model is not None:
            raise ConfigError(f"skill {name}: give a JSON schema or a pydantic model, not both")
        if timeout_s is not None and not timeout_s > 0:
            raise ConfigError(f"skill {name}: timeout_s must be > 0, got {timeout_s}")
        if not callable(fn):
            raise ConfigError(f"skill {name}: {fn!r} is not callable")
        validator = None
        style: Literal["model", "kwargs"] = "kwargs"
        if schema is not None:
            try:
                cls = jsonschema.validators.validator_for(schema)
                cls.check_schema(schema)
            except jsonschema.SchemaError as exc:
                raise ConfigError(f"skill {name}: invalid JSON schema: {exc.message}") from None
            validator = cls(schema)
            parameters = schema
        else:
            if model is not None:
                style = "model"
            else:
                model = _model_from_signature(name, fn)
            parameters = model.model_json_schema()
        doc = description if description is not None else (inspect.getdoc(fn) or "")
        skill = Skill(
            name=name,
            fn=fn,
            description=doc,
            parameters=parameters,
            model=model,
            call_style=style,
            timeout_s=timeout_s,
            is_async=inspect.iscoroutinefunction(fn),
            validator=validator,
        )
        self._skills[name] = skill
        return skill

    def skill(
        self,
        name: str | None = None,
        *,
        schema: dict[str, Any] | None = None,
        model: type[BaseModel] | None = None,
        description: str | None = None,
        timeout_s: float | None = None,
    ) -> Callable[[F], F]:
        """Decorator form of ``register``; the name defaults to the function's name."""

        def deco(fn: F) -> F:
            self.register(
                name or fn.__name__,
                fn,
                schema=schema,
                model=model,
                description=description,
                timeout_s=timeout_s,
            )
            return fn

        return deco

    def get(self, name: str) -> Skill:
        try:
            return self._skills[name]
        except KeyError:
            known = ", ".join(sorted(self._skills)) or "none"
            raise SkillError(f"unknown skill {name!r} (registered: {known})") from None

    def tool_specs(self) -> list[ToolSpec]:
        """``ToolSpec``s for every skill, in registration order."""
        return [s.spec() for s in self._skills.values()]

    def names(self) -> list[str]:
        return list(self._skills)

    def __contains__(self, name: object) -> bool:
        return name in self._skills

    def __iter__(self) -> Iterator[Skill]:
        return iter(self._skills.values())

    def __len__(self) -> int:
        return len(self._skills)
