"""The typed async Instantly API v2 client."""

from instantly_mcp.client.accounts import AccountsApi
from instantly_mcp.client.admin import AdminApi
from instantly_mcp.client.base import EMAILS_ENDPOINT, default_limits
from instantly_mcp.client.bulk import BulkApi, email_problem
from instantly_mcp.client.campaigns import CampaignsApi
from instantly_mcp.client.emails import EmailsApi
from instantly_mcp.client.models import (
    Account, BackgroundJob, BlockListEntry, Campaign, CustomTag, Email, ImportSummary, Lead, LeadList, NewLead, Page,
    Problem, Webhook, Workspace,
)


class InstantlyClient(CampaignsApi, BulkApi, AccountsApi, EmailsApi, AdminApi):
    """One client per workspace key: pooled HTTP, retries, the documented rate limits, typed errors."""


__all__ = [
    "EMAILS_ENDPOINT", "Account", "BackgroundJob", "BlockListEntry", "Campaign", "CustomTag", "Email",
    "ImportSummary", "InstantlyClient", "Lead", "LeadList", "NewLead", "Page", "Problem", "Webhook", "Workspace",
    "default_limits", "email_problem",
]
