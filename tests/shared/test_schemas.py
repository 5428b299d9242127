"""Compact input schemas: nothing the model needs is lost, what tells it nothing is gone."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import compact_input_schema


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(description="Subject.")


class Args(BaseModel):
    confirm: bool = Field(False, description="Set true to do it.")
    chart: bool = Field(True, description="Attach a picture.")
    limit: int = Field(25, ge=1, description="Max items.")
    steps: list[Inner] = Field(default_factory=list, description="Steps.")
    note: str | None = Field(None, description="A note.")


def test_flags_lose_default_false_and_nested_objects_lose_additional_properties_false() -> None:
    schema = compact_input_schema(Args.model_json_schema())
    props = schema["properties"]
    assert "default" not in props["confirm"] and props["confirm"]["type"] == "boolean"
    assert props["chart"]["default"] is True and props["limit"]["default"] == 25  # real defaults stay
    assert "additionalProperties" not in schema["$defs"]["Inner"]
    assert schema["$defs"]["Inner"]["required"] == ["subject"]
    assert props["note"] == {"description": "A note.", "type": "string"}
    assert all("title" not in p for p in props.values())
