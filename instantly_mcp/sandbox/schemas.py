"""Request-body schemas, copied (trimmed of descriptions) from Instantly's OpenAPI v2 document, and the
enums the sandbox enforces. The spec itself is not shipped with the package, so these are literal copies."""

from __future__ import annotations

from typing import Any

TIMEZONES = (
    "Etc/GMT+12", "Etc/GMT+11", "Etc/GMT+10", "America/Anchorage", "America/Dawson", "America/Creston",
    "America/Chihuahua", "America/Boise", "America/Belize", "America/Chicago", "America/Bahia_Banderas",
    "America/Regina", "America/Bogota", "America/Detroit", "America/Indiana/Marengo", "America/Caracas",
    "America/Asuncion", "America/Glace_Bay", "America/Campo_Grande", "America/Anguilla", "America/Santiago",
    "America/St_Johns", "America/Sao_Paulo", "America/Argentina/La_Rioja", "America/Araguaina",
    "America/Godthab", "America/Montevideo", "America/Bahia", "America/Noronha", "America/Scoresbysund",
    "Atlantic/Cape_Verde", "Africa/Casablanca", "America/Danmarkshavn", "Europe/Isle_of_Man",
    "Atlantic/Canary", "Africa/Abidjan", "Arctic/Longyearbyen", "Europe/Belgrade", "Africa/Ceuta",
    "Europe/Sarajevo", "Africa/Algiers", "Africa/Windhoek", "Asia/Nicosia", "Asia/Beirut", "Africa/Cairo",
    "Asia/Damascus", "Europe/Bucharest", "Africa/Blantyre", "Europe/Helsinki", "Europe/Istanbul",
    "Asia/Jerusalem", "Africa/Tripoli", "Asia/Amman", "Asia/Baghdad", "Europe/Kaliningrad", "Asia/Aden",
    "Africa/Addis_Ababa", "Europe/Kirov", "Europe/Astrakhan", "Asia/Tehran", "Asia/Dubai", "Asia/Baku",
    "Indian/Mahe", "Asia/Tbilisi", "Asia/Yerevan", "Asia/Kabul", "Antarctica/Mawson", "Asia/Yekaterinburg",
    "Asia/Karachi", "Asia/Kolkata", "Asia/Colombo", "Asia/Kathmandu", "Antarctica/Vostok", "Asia/Dhaka",
    "Asia/Rangoon", "Antarctica/Davis", "Asia/Novokuznetsk", "Asia/Hong_Kong", "Asia/Krasnoyarsk",
    "Asia/Brunei", "Australia/Perth", "Asia/Taipei", "Asia/Choibalsan", "Asia/Irkutsk", "Asia/Dili",
    "Asia/Pyongyang", "Australia/Adelaide", "Australia/Darwin", "Australia/Brisbane", "Australia/Melbourne",
    "Antarctica/DumontDUrville", "Australia/Currie", "Asia/Chita", "Antarctica/Macquarie", "Asia/Sakhalin",
    "Pacific/Auckland", "Etc/GMT-12", "Pacific/Fiji", "Asia/Anadyr", "Asia/Kamchatka", "Etc/GMT-13",
    "Pacific/Apia",
)

CAMPAIGN_STATUSES = (-99, -1, -2, 0, 1, 2, 3, 4)
LEAD_STATUSES = (1, 2, 3, -1, -2, -3)
INTEREST_VALUES = (1, 2, 3, 4, 0, -1, -2, -3, -4)
SUBSCRIBABLE_EVENTS = (
    "all_events", "email_sent", "email_opened", "email_link_clicked", "reply_received", "email_bounced",
    "lead_unsubscribed", "campaign_completed", "account_error", "lead_neutral", "lead_interested",
    "lead_not_interested", "lead_meeting_booked", "lead_meeting_completed", "lead_closed", "lead_out_of_office",
    "lead_wrong_person", "lead_no_show", "supersearch_enrichment_completed",
)
ACCOUNT_FILTERS = (
    "ACC_FILTER_PAUSED", "ACC_FILTER_ERROR", "ACC_FILTER_NO_CTD", "ACC_FILTER_PW_ACCOUNTS", "ACC_FILTER_DFY",
    "ACC_FILTER_DFY_SETUP_PENDING", "ACC_FILTER_W_ACTIVE", "ACC_FILTER_W_PAUSED", "ACC_FILTER_W_ERROR",
)

S: dict[str, Any] = {"type": "string"}
NS: dict[str, Any] = {"type": ["string", "null"]}
NB: dict[str, Any] = {"type": ["boolean", "null"]}
NN: dict[str, Any] = {"type": ["number", "null"]}
UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
NUUID: dict[str, Any] = {"type": ["string", "null"], "format": "uuid"}
HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):([0-5][0-9])$"}
UNITS = {"type": "string", "enum": ["minutes", "hours", "days"]}
CUSTOM_VARIABLES = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
INTEREST = {"type": "number", "enum": list(INTEREST_VALUES)}

CAMPAIGN_SCHEDULE = {
    "type": "object",
    "required": ["schedules"],
    "properties": {
        "start_date": {"type": ["string", "null"], "format": "date"},
        "end_date": {"type": ["string", "null"], "format": "date"},
        "schedules": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object", "required": ["name", "timing", "days", "timezone"],
                "properties": {
                    "name": S,
                    "timing": {"type": "object", "required": ["from", "to"], "properties": {"from": HHMM, "to": HHMM}},
                    "days": {"type": "object", "minProperties": 1,
                             "properties": {str(d): {"type": "boolean"} for d in range(7)}},
                    "timezone": {"type": "string", "enum": list(TIMEZONES)},
                },
            },
        },
    },
}
SEQUENCES = {
    "type": "array",
    "items": {
        "type": "object", "required": ["steps"],
        "properties": {"steps": {"type": "array", "items": {
            "type": "object", "required": ["type", "delay", "variants"],
            "properties": {
                "type": {"type": "string", "enum": ["email"]}, "delay": {"type": "number"}, "delay_unit": UNITS,
                "pre_delay": {"type": "number"}, "pre_delay_unit": UNITS,
                "variants": {"type": "array", "items": {
                    "type": "object", "required": ["subject", "body"],
                    "properties": {"subject": S, "body": S, "v_disabled": {"type": "boolean"}},
                }},
            },
        }}},
    },
}
ESP_LIST = {"type": "array", "items": {"type": "string", "enum": ["all", "google", "outlook", "other"]}}
CAMPAIGN_FIELDS: dict[str, Any] = {
    "name": S, "pl_value": NN, "is_evergreen": NB, "campaign_schedule": CAMPAIGN_SCHEDULE, "sequences": SEQUENCES,
    "email_gap": NN, "random_wait_max": NN, "text_only": NB, "first_email_text_only": NB,
    "email_list": {"type": "array", "items": S}, "daily_limit": NN, "stop_on_reply": NB,
    "email_tag_list": {"type": "array", "items": UUID}, "link_tracking": NB, "open_tracking": {"type": "boolean"},
    "stop_on_auto_reply": NB, "daily_max_leads": {"type": ["integer", "null"], "minimum": 0},
    "prioritize_new_leads": NB,
    "auto_variant_select": {"type": ["object", "null"], "required": ["trigger"],
                            "properties": {"trigger": {"type": "string", "enum": ["reply_rate", "click_rate", "open_rate"]}}},
    "match_lead_esp": NB, "stop_for_company": NB, "insert_unsubscribe_header": NB, "allow_risky_contacts": NB,
    "disable_bounce_protect": NB,
    "limit_emails_per_company_override": {
        "type": ["object", "null"], "required": ["mode"],
        "properties": {"mode": {"type": "string", "enum": ["custom", "disabled"]},
                       "daily_limit": {"type": "number", "minimum": 1},
                       "scope": {"type": "string", "enum": ["per_campaign", "across_workspace"]}},
    },
    "cc_list": {"type": "array", "items": {"type": "string", "format": "email"}},
    "bcc_list": {"type": "array", "items": {"type": "string", "format": "email"}},
    "owned_by": NUUID, "ai_sdr_id": NUUID,
    "provider_routing_rules": {"type": "array", "items": {
        "type": "object", "required": ["action", "recipient_esp", "sender_esp"],
        "properties": {"action": {"type": "string", "enum": ["send", "do_not_send"]},
                       "recipient_esp": ESP_LIST, "sender_esp": ESP_LIST},
    }},
}
CREATE_CAMPAIGN = {"type": "object", "required": ["name", "campaign_schedule"], "properties": CAMPAIGN_FIELDS}
PATCH_CAMPAIGN = {"type": "object", "minProperties": 1, "properties": CAMPAIGN_FIELDS}

LEAD_WRITABLE: dict[str, Any] = {
    "email": NS, "personalization": NS, "website": NS, "last_name": NS, "first_name": NS, "company_name": NS,
    "job_title": NS, "phone": NS, "lt_interest_status": INTEREST, "pl_value_lead": NS, "assigned_to": NUUID,
    "custom_variables": CUSTOM_VARIABLES,
}
SKIP_FLAGS: dict[str, Any] = {
    "skip_if_in_workspace": {"type": "boolean"}, "skip_if_in_campaign": {"type": "boolean"},
    "skip_if_in_list": {"type": "boolean"}, "verify_leads_on_import": {"type": "boolean"},
}
CREATE_LEAD = {"type": "object", "properties": {
    **LEAD_WRITABLE, **SKIP_FLAGS, "campaign": NUUID, "list_id": NUUID, "blocklist_id": UUID,
    "verify_leads_for_lead_finder": {"type": "boolean"},
}}
BULK_ADD = {"type": "object", "required": ["leads"], "properties": {
    "campaign_id": UUID, "list_id": UUID,
    "leads": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "object", "properties": LEAD_WRITABLE}},
    "blocklist_id": NUUID, "assigned_to": UUID, **SKIP_FLAGS,
}}
PATCH_LEAD = {"type": "object", "minProperties": 1,
              "properties": {k: v for k, v in LEAD_WRITABLE.items() if k != "email"}}
LEAD_SELECTION: dict[str, Any] = {
    "search": S, "filter": S, "campaign": UUID, "list_id": UUID, "in_campaign": {"type": "boolean"},
    "in_list": {"type": "boolean"}, "ids": {"type": "array", "items": UUID},
    "excluded_ids": {"type": "array", "items": UUID}, "contacts": {"type": "array", "items": S},
}
LIST_LEADS = {"type": "object", "properties": {
    **LEAD_SELECTION, "limit": {"type": "integer", "minimum": 1, "maximum": 100}, "starting_after": S,
    "distinct_contacts": {"type": "boolean"},
}}
MOVE_LEADS = {"type": "object", "properties": {
    **LEAD_SELECTION, "to_campaign_id": UUID, "to_list_id": UUID, "limit": {"type": "number"},
    "copy_leads": {"type": "boolean"}, "check_duplicates": {"type": "boolean"},
    "check_duplicates_in_campaigns": {"type": "boolean"}, "reset_interest_status": {"type": "boolean"},
    "assigned_to": UUID,
}}
INTEREST_UPDATE = {"type": "object", "required": ["lead_email", "interest_value"], "properties": {
    "lead_email": S, "interest_value": {"type": ["number", "null"]}, "campaign_id": S, "list_id": S,
    "ai_interest_value": {"type": "number"}, "disable_auto_interest": {"type": "boolean"},
}}
BULK_DELETE_LEADS = {"type": "object", "properties": {
    "campaign_id": UUID, "list_id": UUID, "status": {"type": "number", "enum": list(LEAD_STATUSES)},
    "ids": {"type": "array", "items": UUID}, "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
}}

LEAD_LIST_FIELDS = {"has_enrichment_task": NB, "owned_by": NUUID, "name": S}
CREATE_LEAD_LIST = {"type": "object", "required": ["name"], "properties": LEAD_LIST_FIELDS}
PATCH_LEAD_LIST = {"type": "object", "minProperties": 1, "properties": LEAD_LIST_FIELDS}

WEBHOOK_FIELDS: dict[str, Any] = {
    "campaign": NUUID, "name": NS,
    "target_hook_url": {"type": "string", "format": "uri", "pattern": "^https?://"},
    "event_type": {"type": ["string", "null"], "enum": [*SUBSCRIBABLE_EVENTS, None]},
    "custom_interest_value": NN, "headers": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
}
CREATE_WEBHOOK = {"type": "object", "required": ["target_hook_url"], "properties": WEBHOOK_FIELDS}
PATCH_WEBHOOK = {"type": "object", "minProperties": 1, "properties": WEBHOOK_FIELDS}

EMAIL_REPLY = {"type": "object", "required": ["reply_to_uuid", "eaccount", "subject", "body"], "properties": {
    "eaccount": S, "reply_to_uuid": S, "subject": S,
    "body": {"type": "object", "properties": {"html": S, "text": S}},
    "additional_recipients": {"type": "array", "items": {"type": "string", "format": "email"}},
    "cc_address_email_list": S, "bcc_address_email_list": S,
    "reminder_ts": {"type": "string", "format": "date-time"}, "assigned_to": UUID,
}}
PATCH_EMAIL = {"type": "object", "minProperties": 1, "properties": {
    "is_unread": NN, "reminder_ts": {"type": ["string", "null"], "format": "date-time"},
}}

WARMUP_TOGGLE = {"type": "object", "properties": {
    "emails": {"type": "array", "items": S, "maxItems": 100}, "include_all_emails": {"type": "boolean"},
    "excluded_emails": {"type": "array", "items": S, "maxItems": 100}, "search": S,
}}
WARMUP_ANALYTICS = {"type": "object", "required": ["emails"],
                    "properties": {"emails": {"type": "array", "items": S, "minItems": 1, "maxItems": 100}}}
WARMUP = {"type": "object", "properties": {
    "limit": {"type": "number"}, "advanced": {"type": "object"}, "warmup_custom_ftag": S,
    "increment": {"type": "string", "enum": ["disabled", "0", "1", "2", "3", "4"]}, "reply_rate": {"type": "number"},
}}
ACCOUNT_WRITABLE: dict[str, Any] = {
    "first_name": S, "last_name": S, "warmup": WARMUP, "daily_limit": NN, "tracking_domain_name": NS,
    "tracking_domain_status": NS, "enable_slow_ramp": NB, "inbox_placement_test_limit": {"type": ["number", "null"], "minimum": 0},
    "sending_gap": {"type": "number", "minimum": 0, "maximum": 1440}, "signature": NS, "reply_to": NS,
}
CREATE_ACCOUNT = {"type": "object", "properties": {
    **ACCOUNT_WRITABLE, "email": {"type": "string", "format": "email"},
    "provider_code": {"type": "number", "enum": [1, 2, 3, 4, 8, 11]}, "imap_username": S, "imap_password": S,
    "imap_host": S, "imap_port": {"type": "number"}, "smtp_username": S, "smtp_password": S, "smtp_host": S,
    "smtp_port": {"type": "number"},
}, "required": ["email", "first_name", "last_name", "provider_code", "imap_username", "imap_password", "imap_host",
                "imap_port", "smtp_username", "smtp_password", "smtp_host", "smtp_port"]}
PATCH_ACCOUNT = {"type": "object", "minProperties": 1, "properties": ACCOUNT_WRITABLE}

TAG_LABEL = {"type": "string", "minLength": 1, "pattern": r".*\S.*"}
CREATE_TAG = {"type": "object", "required": ["label"], "properties": {"label": TAG_LABEL, "description": NS}}
PATCH_TAG = {"type": "object", "minProperties": 1, "properties": {"label": TAG_LABEL, "description": NS}}
TOGGLE_TAGS = {"type": "object", "required": ["tag_ids", "resource_type", "assign"], "properties": {
    "tag_ids": {"type": "array", "minItems": 1, "items": UUID}, "resource_type": {"type": "number", "enum": [1, 2]},
    "resource_ids": {"type": "array", "minItems": 1, "items": S},
    "excluded_resource_ids": {"type": "array", "minItems": 1, "items": S},
    "assign": {"type": "boolean"}, "selected_all": {"type": "boolean"}, "search": S,
}}
CREATE_BLOCK = {"type": "object", "required": ["bl_value"], "properties": {"bl_value": S}}
PATCH_BLOCK = {"type": "object", "minProperties": 1, "properties": {"bl_value": S}}
BULK_BLOCK = {"type": "object", "required": ["bl_values"],
              "properties": {"bl_values": {"type": "array", "items": S, "minItems": 1, "maxItems": 1000}}}
BULK_UNBLOCK = {"type": "object", "required": ["ids"],
                "properties": {"ids": {"type": "array", "items": S, "minItems": 1, "maxItems": 1000}}}
PATCH_WORKSPACE = {"type": "object", "minProperties": 1, "properties": {"name": S, "org_logo_url": NS}}
