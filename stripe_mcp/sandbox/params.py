"""Typed access to request parameters, answering Stripe's 400s (with `param`) for bad values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import invalid, missing_param
from .forms import as_list

CURRENCIES = frozenset(
    "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd cad cdf "
    "chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf "
    "idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop "
    "mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd "
    "scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof "
    "xpf yer zar zmw".split()
)
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
METADATA_MAX_KEYS = 50


class Params:
    """A view on one level of the parsed parameters; `prefix` names nested params in errors (`a[b]`)."""

    def __init__(self, data: dict[str, Any] | None, prefix: str = "") -> None:
        self.data = data or {}
        self.prefix = prefix

    def name(self, key: str | int) -> str:
        return f"{self.prefix}[{key}]" if self.prefix else str(key)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def keys(self) -> Iterable[str]:
        return self.data.keys()

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def is_empty(self, key: str) -> bool:
        return self.data.get(key) == ""

    def str(self, key: str, *, required: bool = False, choices: Iterable[str] | None = None,
            default: str | None = None, max_len: int = 5000) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise missing_param(self.name(key))
            return default
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, (str, int, float)):
            raise invalid(f"Invalid string: {value!r}", self.name(key), "parameter_invalid_string")
        value = str(value)
        if len(value) > max_len:
            raise invalid(f"Invalid string: {value[:20]}...; must be at most {max_len} characters",
                          self.name(key), "parameter_invalid_string")
        if choices is not None and value not in choices:
            opts = ", ".join(f"`{c}`" for c in choices)
            raise invalid(f"Invalid {key}: must be one of {opts}", self.name(key), "parameter_invalid_string")
        return value

    def int(self, key: str, *, required: bool = False, min: int | None = None, max: int | None = None,
            default: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise missing_param(self.name(key))
            return default
        if isinstance(value, bool):
            raise invalid(f"Invalid integer: {value}", self.name(key), "parameter_invalid_integer")
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None:
            raise invalid(f"Invalid integer: {value}", self.name(key), "parameter_invalid_integer")
        if min is not None and number < min:
            raise invalid(f"This value must be greater than or equal to {min}.", self.name(key),
                          "parameter_invalid_integer")
        if max is not None and number > max:
            raise invalid(f"This value must be less than or equal to {max}.", self.name(key),
                          "parameter_invalid_integer")
        return number

    def number(self, key: str, *, min: float | None = None, max: float | None = None) -> float | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise invalid(f"Invalid decimal: {value}", self.name(key), "parameter_invalid_decimal") from None
        if (min is not None and number < min) or (max is not None and number > max):
            raise invalid(f"Invalid {key}: must be between {min} and {max}", self.name(key))
        return number

    def bool(self, key: str, default: bool | None = None) -> bool | None:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        raise invalid(f"Invalid boolean: {value}", self.name(key), "parameter_invalid_boolean")

    def timestamp(self, key: str, now: int, *, allow_now: bool = True) -> int | None:
        if allow_now and self.data.get(key) == "now":
            return now
        return self.int(key, min=0)

    def sub(self, key: str, *, required: bool = False) -> Params | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise missing_param(self.name(key))
            return None
        if not isinstance(value, dict):
            raise invalid(f"Invalid object: {key} must be a hash", self.name(key), "parameter_invalid_object")
        return Params(value, self.name(key))

    def items(self, key: str, *, required: bool = False, max_items: int | None = None) -> list[Params]:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise missing_param(self.name(key))
            return []
        items = as_list(value)
        if items is None or not all(isinstance(x, dict) for x in items):
            raise invalid(f"Invalid array: {key} must be a list of hashes", self.name(key), "parameter_invalid_array")
        if max_items is not None and len(items) > max_items:
            raise invalid(f"Invalid {key}: must have at most {max_items} items", self.name(key))
        return [Params(x, f"{self.name(key)}[{i}]") for i, x in enumerate(items)]

    def strs(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]
        items = as_list(value)
        if items is None or not all(isinstance(x, (str, int)) for x in items):
            raise invalid(f"Invalid array: {key} must be a list of strings", self.name(key), "parameter_invalid_array")
        return [str(x) for x in items]

    def currency(self, key: str = "currency", *, required: bool = True) -> str | None:
        value = self.str(key, required=required)
        if value is None:
            return None
        code = value.lower()
        if code not in CURRENCIES:
            raise invalid(
                f"Invalid currency: {value}. Stripe currently supports these currencies: "
                + ", ".join(sorted(CURRENCIES)),
                self.name(key),
            )
        return code

    def metadata(self, existing: dict[str, str] | None = None, key: str = "metadata") -> dict[str, str]:
        """New metadata: merged into `existing`; a key set to "" is removed, and metadata="" clears all."""
        result = dict(existing or {})
        value = self.data.get(key)
        if value is None:
            return result
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise invalid("Invalid object: metadata must be a hash of strings", self.name(key))
        for k, v in value.items():
            k = str(k)
            if len(k) > 40 or "[" in k or "]" in k:
                raise invalid(f"Invalid metadata key: {k!r} (at most 40 characters, no square brackets)",
                              f"{self.name(key)}[{k}]")
            if isinstance(v, (dict, list)):
                raise invalid("Metadata values must be strings.", f"{self.name(key)}[{k}]")
            text = "true" if v is True else "false" if v is False else str(v)
            if len(text) > 500:
                raise invalid("Metadata values can have up to 500 characters.", f"{self.name(key)}[{k}]")
            if text == "":
                result.pop(k, None)
            else:
                result[k] = text
        if len(result) > METADATA_MAX_KEYS:
            raise invalid(f"Invalid metadata: metadata can have up to {METADATA_MAX_KEYS} keys.", self.name(key))
        return result
