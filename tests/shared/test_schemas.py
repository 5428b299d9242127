"""Compact input schemas: nothing the model needs is lost, what tells it nothing is gone."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import compact_input_schema, restates_name


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
    assert props["note"] == {"type": "string"}  # "A note." only restated the name
    assert all("title" not in p for p in props.values())


def test_a_description_that_only_restates_the_name_is_dropped() -> None:
    assert restates_name("first_name", "First name.") and restates_name("city", "{{city}}")
    assert restates_name("open_tracking", "Track opens.") and restates_name("delay_unit", "Unit of delay.")
    assert not restates_name("daily_limit", "Max emails a day.")
    assert not restates_name("campaign_id", "Campaign to change (name or id); omit to create one.")
    assert not restates_name("email", "") and not restates_name("email", None)
