"""Every URL has an access test: a new view or endpoint without one fails here.

Modelled on Kiwi TCMS: the URL resolver is walked (the API's and Open311's patterns
included) and each pattern must have an entry in ``ACCESS``, naming the rule it follows
and the tests that prove it (the anonymous visitor, the wrong role, the wrong agency,
the confidential report, as relevant). An entry whose URL is gone, or that names a test
that no longer exists, fails too. Django's admin and allauth are one entry each.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# The rules, for the reader of the table.
PUBLIC = "public: answers everyone and shows only what the visibility rule makes public"
SIGNED_IN = "signed in: a visitor is sent to sign in; each user sees only their own"
ROLE = "role: a visitor is sent to sign in, the wrong role gets 403, another agency 404"
REPORT = "report: the visibility rule (missing and forbidden alike 404), then the capacity (403)"
TOKEN = "API token: none or a bad one is 401; each user sees only their own"
GATEWAY = "gateway: a shared secret, a signature or an address list, else refused"

# Grouped third-party URL sets: the namespace or the included URLconf's module.
GROUPED = {"admin": "admin", "allauth.urls": "allauth"}


def nodes(module: str, *tests: str) -> tuple[str, ...]:
    """Node ids ``aduan.<module>::<test>`` of tests in one module."""
    return tuple(f"aduan.{module}::{test}" for test in tests)


class Access(NamedTuple):
    rule: str
    tests: tuple[str, ...]


ACTION_TESTS = nodes(
    "workflow.tests.test_api",
    "test_wrong_capacity_is_403",
    "test_confidential_report_of_someone_else_is_404",
    "test_actions_need_a_token",
)
WEBHOOK_VIEW_TESTS = nodes(
    "integrations.tests.test_views",
    "test_anonymous_visitors_are_sent_to_sign_in",
    "test_other_roles_get_403",
    "test_another_agencys_admin_gets_404_for_its_endpoints_and_tokens",
)
DISCOVERY_TESTS = nodes(
    "channels.open311.tests.test_views",
    "test_discovery_in_both_formats",
    "test_the_root_is_the_public_discovery_in_json",
)

ACCESS: dict[str, Access] = {
    # --- third party ----------------------------------------------------------------------
    "admin": Access(
        ROLE,
        nodes(
            "web.tests.test_small_fixes",
            "test_admin_still_opens_for_the_national_admin_and_asks_strangers_to_sign_in",
            "test_admin_tells_a_signed_in_user_without_access_so",
        )
        + nodes(
            "reports.tests.test_admin", "test_a_django_permission_alone_does_not_open_every_report"
        )
        + nodes(
            "accounts.tests.test_admin", "test_agency_admin_sees_and_appoints_only_their_own_staff"
        ),
    ),
    "allauth": Access(
        SIGNED_IN,
        nodes(
            "accounts.tests.test_views",
            "test_allauths_account_pages_send_visitors_to_sign_in",
            "test_allauths_sign_in_pages_answer_visitors_and_show_no_account",
        )
        + nodes("accounts.tests.test_google", "test_unconfigured_google_is_a_404_and_has_no_button")
        + nodes(
            "accounts.tests.test_social",
            "test_a_provider_has_a_button_only_once_configured",
            "test_someone_elses_account_cannot_be_removed",
        )
        # allauth's two-factor pages (/akun/2fa/...), and staff kept from every other page.
        + nodes(
            "accounts.tests.test_mfa",
            "test_staff_without_an_authenticator_app_are_sent_to_enrol_from_every_report_page",
            "test_enrolled_staff_sign_in_with_a_code",
            "test_staff_may_not_turn_their_authenticator_app_off_a_citizen_may",
        ),
    ),
    "set_language": Access(
        PUBLIC, nodes("web.tests.test_pages", "test_set_language_switches_the_site")
    ),
    # --- accounts and linked channels -----------------------------------------------------
    "accounts:profile": Access(
        SIGNED_IN, nodes("accounts.tests.test_views", "test_anonymous_visitors_are_sent_to_sign_in")
    ),
    "accounts:api_tokens": Access(
        SIGNED_IN,
        nodes(
            "accounts.tests.test_views",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_token_list_shows_only_own_tokens_in_few_queries",
        ),
    ),
    "accounts:api_token_revoke": Access(
        SIGNED_IN,
        nodes(
            "accounts.tests.test_views",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_revoking_someone_elses_token_is_not_found",
            "test_revoking_asks_first_and_a_get_revokes_nothing",
        ),
    ),
    "channels:linked": Access(
        SIGNED_IN,
        nodes(
            "channels.tests.test_views",
            "test_a_visitor_is_sent_to_sign_in",
            "test_staff_cannot_get_a_code",
        ),
    ),
    "channels:unlink": Access(
        SIGNED_IN,
        nodes(
            "channels.tests.test_views",
            "test_a_visitor_cannot_unlink_and_is_sent_to_sign_in",
            "test_unlink_own_identity_only",
        ),
    ),
    # --- the API --------------------------------------------------------------------------
    "api:api-root": Access(
        PUBLIC, nodes("api.tests.test_api", "test_the_api_root_is_not_found_for_everyone")
    ),
    "api:openapi-json": Access(
        PUBLIC, nodes("api.tests.test_api", "test_openapi_lists_every_endpoint")
    ),
    "api:openapi-view": Access(PUBLIC, nodes("api.tests.test_api", "test_docs_page_loads")),
    "api:not_found": Access(
        PUBLIC, nodes("api.tests.test_api", "test_unknown_endpoint_is_404_problem")
    ),
    "api:auth_register": Access(
        PUBLIC,
        nodes(
            "accounts.tests.test_api",
            "test_register_creates_unverified_citizen_and_sends_verification",
            "test_register_is_rate_limited_per_ip",
        ),
    ),
    "api:auth_token": Access(
        TOKEN,
        nodes(
            "accounts.tests.test_api",
            "test_token_with_bad_credentials_is_401",
            "test_token_for_inactive_user_is_401",
            "test_token_for_unverified_email_is_403",
        ),
    ),
    "api:auth_token_revoke": Access(
        TOKEN, nodes("accounts.tests.test_api", "test_revoke_without_token_is_401")
    ),
    "api:auth_tokens": Access(
        TOKEN,
        nodes(
            "accounts.tests.test_api",
            "test_token_list_needs_a_personal_token",
            "test_token_list_shows_only_the_callers_working_tokens",
        ),
    ),
    "api:auth_token_revoke_one": Access(
        TOKEN,
        nodes(
            "accounts.tests.test_api",
            "test_token_list_needs_a_personal_token",
            "test_revoking_another_users_token_is_404",
        ),
    ),
    "api:auth_me": Access(
        TOKEN,
        nodes(
            "accounts.tests.test_api",
            "test_me_without_token_is_401",
            "test_me_with_wrong_scheme_is_401",
        ),
    ),
    "api:linked_channels": Access(
        TOKEN, nodes("channels.tests.test_api", "test_without_a_token_nothing")
    ),
    "api:claim_code": Access(
        TOKEN,
        nodes("channels.tests.test_api", "test_without_a_token_nothing", "test_staff_get_no_code"),
    ),
    "api:linked_channel_delete": Access(
        TOKEN,
        nodes(
            "channels.tests.test_api",
            "test_unlinking_without_a_token_is_401_and_keeps_the_link",
            "test_someone_elses_identity_is_not_found",
        ),
    ),
    "api:report_submit": Access(
        TOKEN,
        nodes(
            "reports.tests.test_api",
            "test_submit_without_token_is_401",
            "test_submit_with_revoked_token_is_401",
        ),
    ),
    "api:report_list": Access(
        PUBLIC,
        nodes(
            "reports.tests.test_api",
            "test_feed_never_lists_confidential_reports",
            "test_feed_hides_anonymous_reporter",
            "test_feed_mine_without_token_is_401",
            "test_feed_mine_lists_only_own_reports_confidential_included",
        ),
    ),
    "api:report_detail": Access(
        REPORT,
        nodes(
            "reports.tests.test_api",
            "test_detail_visibility_matrix",
            "test_detail_of_missing_report_is_404_problem",
        ),
    ),
    "api:report_attachment_add": Access(
        REPORT,
        nodes(
            "reports.tests.test_api",
            "test_upload_without_token_is_401",
            "test_upload_by_someone_else_who_can_see_it_is_403",
            "test_upload_to_invisible_report_is_404",
        ),
    ),
    "api:report_attachment": Access(
        REPORT,
        nodes(
            "reports.tests.test_api",
            "test_attachment_download_matrix",
            "test_attachment_of_another_report_is_404",
        ),
    ),
    **dict.fromkeys(
        ("api:report_support", "api:report_unsupport"),
        Access(
            REPORT,
            nodes(
                "workflow.tests.test_support_api",
                "test_support_needs_a_token",
                "test_staff_and_the_reporter_are_refused_with_403",
                "test_a_hidden_report_is_404_like_a_missing_one",
            ),
        ),
    ),
    **{
        f"api:report_action_{action}": Access(REPORT, ACTION_TESTS)
        for action in (
            "dispose",
            "hold",
            "archive",
            "merge",
            "set_flags",
            "redact",
            "set_programmes",
            "accept",
            "return",
            "forward",
            "extend",
            "respond",
            "comment",
            "answer",
            "close",
            "reopen",
            "rate",
        )
    },
    "api:report_response_with_files": Access(
        REPORT, nodes("workflow.tests.test_api", "test_response_with_files_permissions")
    ),
    "api:inbox": Access(
        ROLE,
        nodes(
            "workflow.tests.test_api",
            "test_inbox_is_for_staff_only",
            "test_inbox_is_scoped_by_role_and_agency",
        ),
    ),
    "api:inbox_export": Access(
        ROLE,
        nodes(
            "exports.tests.test_exports",
            "test_the_api_export_is_for_staff_only",
            "test_the_api_export_holds_the_api_inbox_rows",
        ),
    ),
    "api:export_job": Access(
        TOKEN,
        nodes(
            "exports.tests.test_jobs",
            "test_another_users_job_is_404_everywhere",
            "test_the_api_answers_202_with_the_job_then_its_file",
        ),
    ),
    "api:export_job_download": Access(
        TOKEN,
        nodes(
            "exports.tests.test_jobs",
            "test_another_users_job_is_404_everywhere",
            "test_the_api_answers_202_with_the_job_then_its_file",
        ),
    ),
    "api:agency_list": Access(
        PUBLIC,
        nodes("agencies.tests.test_api", "test_readable_with_token_but_not_with_revoked_one"),
    ),
    "api:category_list": Access(
        PUBLIC,
        nodes(
            "categories.tests.test_api",
            "test_lists_active_categories_in_order_and_language",
            "test_revoked_or_garbage_token_is_401",
        ),
    ),
    "api:region_list": Access(
        PUBLIC,
        nodes(
            "regions.tests.test_api", "test_provinces_without_parent", "test_garbage_token_is_401"
        ),
    ),
    "api:stats_agencies": Access(
        PUBLIC,
        nodes(
            "oversight.tests.test_public",
            "test_public_figures_count_only_verified_public_reports",
            "test_small_counts_are_suppressed",
            "test_the_api_lists_the_agencies_with_their_figures",
        ),
    ),
    "api:stats_programmes": Access(
        PUBLIC,
        nodes(
            "oversight.tests.test_public",
            "test_programme_figures_count_only_public_reports_with_small_counts_withheld",
            "test_the_programmes_api_validates_the_period_like_the_agencies",
        ),
    ),
    # --- channels: gateways and Open311 ---------------------------------------------------
    "sms:inbound": Access(
        GATEWAY,
        nodes(
            "channels.sms.tests.test_views",
            "test_without_the_token_nothing_happens",
            "test_with_nothing_configured_the_endpoint_refuses_everything",
            "test_an_address_list_is_checked_as_well_as_the_token",
            "test_the_address_list_sees_the_smsbox_behind_the_proxy_and_no_forged_one",
        ),
    ),
    "channels_x:webhook": Access(
        GATEWAY,
        nodes(
            "channels.x.tests.test_webhook",
            "test_crc_without_a_token_is_a_bad_request",
            "test_a_post_without_a_valid_signature_is_refused_and_stores_nothing",
            "test_a_signature_made_with_another_secret_or_over_another_body_is_refused",
        ),
    ),
    **{
        f"open311:{name}": Access(PUBLIC, DISCOVERY_TESTS)
        for name in ("root", "discovery", "v2_discovery")
    },
    "open311:services": Access(
        PUBLIC,
        nodes("channels.open311.tests.test_views", "test_services_list_our_active_categories"),
    ),
    "open311:service_definition": Access(
        PUBLIC,
        nodes("channels.open311.tests.test_views", "test_service_definition_and_unknown_code"),
    ),
    "open311:requests": Access(
        PUBLIC,
        nodes(
            "channels.open311.tests.test_views",
            "test_confidential_archived_and_anonymous_reporters_never_show",
            "test_the_session_does_not_widen_what_open311_shows",
            "test_a_revoked_key_is_refused",
            "test_a_deactivated_organisation_account_is_refused",
            "test_post_with_a_wrong_jurisdiction_is_refused",
        ),
    ),
    "open311:request_detail": Access(
        PUBLIC,
        nodes(
            "channels.open311.tests.test_views",
            "test_confidential_archived_and_anonymous_reporters_never_show",
            "test_the_session_does_not_widen_what_open311_shows",
        ),
    ),
    "open311:token": Access(
        PUBLIC,
        nodes(
            "channels.open311.tests.test_views",
            "test_post_answers_in_xml",
            "test_a_nul_in_a_lookup_is_not_found_not_a_server_error",
        ),
    ),
    # --- notifications, calendar, integrations --------------------------------------------
    "notifications:list": Access(
        SIGNED_IN,
        nodes(
            "notifications.tests.test_views",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_the_list_shows_only_my_in_app_notifications_newest_first",
        ),
    ),
    "notifications:read": Access(
        SIGNED_IN,
        nodes(
            "notifications.tests.test_views",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_nobody_can_mark_someone_elses_notification",
        ),
    ),
    "notifications:read_all": Access(
        SIGNED_IN,
        nodes(
            "notifications.tests.test_views",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_mark_all_read_touches_only_mine",
        ),
    ),
    "notifications:preferences": Access(
        SIGNED_IN,
        nodes(
            "notifications.tests.test_views",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_preferences_are_per_user",
        ),
    ),
    "notifications:push_subscribe": Access(
        SIGNED_IN,
        nodes(
            "notifications.tests.test_push",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_subscribing_needs_the_csrf_token",
            "test_the_same_browser_subscribing_again_moves_to_the_new_account",
        ),
    ),
    "notifications:push_unsubscribe": Access(
        SIGNED_IN,
        nodes(
            "notifications.tests.test_push",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_nobody_can_unsubscribe_someone_elses_device",
        ),
    ),
    "notifications:push_check": Access(
        SIGNED_IN,
        nodes(
            "notifications.tests.test_push",
            "test_anonymous_visitors_are_sent_to_sign_in",
            "test_checking_needs_the_csrf_token",
            "test_another_accounts_push_on_this_browser_is_not_shown_on_and_stops",
        ),
    ),
    "sla:day_offs": Access(
        ROLE,
        nodes(
            "sla.tests.test_views",
            "test_the_list_is_for_the_national_admin_only",
            "test_adding_is_for_the_national_admin_only",
            "test_an_inactive_national_admin_is_refused",
        ),
    ),
    "sla:day_off_delete": Access(
        ROLE, nodes("sla.tests.test_views", "test_removing_is_for_the_national_admin_only")
    ),
    **{
        f"webhooks:{name}": Access(ROLE, WEBHOOK_VIEW_TESTS)
        for name in (
            "integration",
            "endpoint_log",
            "endpoint_disable",
            "endpoint_enable",
            "endpoint_secret",
            "endpoint_test",
            "endpoint_delete",
            "token_create",
            "token_revoke",
        )
    },
    # --- triage ---------------------------------------------------------------------------
    "triage:accuracy": Access(
        ROLE,
        nodes(
            "triage.tests.test_views",
            "test_a_visitor_is_sent_to_sign_in_and_agency_staff_are_refused",
            "test_the_desk_sees_the_share_of_first_and_top_three_choices",
        ),
    ),
    "api:report_triage": Access(
        TOKEN,
        nodes(
            "triage.tests.test_api",
            "test_the_reporter_and_agency_staff_are_refused",
            "test_the_desk_reads_the_suggestions_best_first",
        ),
    ),
    # --- statistics -----------------------------------------------------------------------
    "oversight:dashboard": Access(
        ROLE,
        nodes(
            "oversight.tests.test_views",
            "test_a_visitor_is_sent_to_sign_in_and_a_citizen_is_refused",
            "test_agency_staff_see_their_subtree_only",
            "test_staff_who_may_see_figures_get_the_dashboard",
        ),
    ),
    **{
        f"oversight:{name}": Access(
            ROLE,
            nodes(
                "oversight.tests.test_monthly",
                "test_a_citizen_is_refused_and_a_visitor_sent_to_sign_in",
                "test_another_agencys_admin_gets_404_and_an_empty_list",
                "test_staff_who_may_see_the_agencys_figures_list_and_download_its_pdf",
            ),
        )
        for name in ("monthly_reports", "monthly_report_download")
    },
    **{
        f"public_statistics:{name}": Access(
            PUBLIC,
            nodes(
                "oversight.tests.test_public",
                "test_public_figures_count_only_verified_public_reports",
                "test_small_counts_are_suppressed",
                test,
            ),
        )
        for name, test in (
            ("index", "test_public_figures_count_only_verified_public_reports"),
            ("agency", "test_the_agency_page_shows_its_public_reports_only"),
            ("agencies_csv", "test_the_csv_is_the_same_table"),
            ("programmes_csv", "test_the_public_page_and_its_csv_show_the_programmes"),
        )
    },
    # --- the web pages --------------------------------------------------------------------
    "web:home": Access(
        PUBLIC,
        nodes(
            "web.tests.test_pages",
            "test_public_pages_render_for_everyone",
            "test_home_feed_hides_confidential_reports",
        ),
    ),
    "web:favicon": Access(
        PUBLIC,
        nodes(
            "web.tests.test_small_fixes",
            "test_favicon_ico_leads_to_the_icon_and_every_page_names_it",
        ),
    ),
    "web:manifest": Access(
        PUBLIC,
        nodes("web.tests.test_pwa", "test_manifest_has_what_chromium_and_safari_ask_for"),
    ),
    "web:service_worker": Access(
        PUBLIC,
        nodes(
            "web.tests.test_pwa",
            "test_service_worker_is_served_from_the_root_uncached",
            "test_the_shell_has_the_offline_page_and_static_files_and_no_staff_url",
        ),
    ),
    "web:offline": Access(
        PUBLIC, nodes("web.tests.test_pwa", "test_offline_page_is_the_same_for_everyone")
    ),
    "web:feed": Access(
        PUBLIC,
        nodes("web.tests.test_pages", "test_public_pages_render_for_everyone")
        + nodes(
            "web.tests.test_feed",
            "test_feed_never_shows_a_confidential_report",
            "test_feed_hides_anonymous_reporters_and_every_contact",
        ),
    ),
    "web:report_support": Access(
        REPORT,
        nodes(
            "web.tests.test_support",
            "test_a_visitor_is_sent_to_sign_in",
            "test_staff_see_the_count_without_a_button_and_are_refused",
            "test_the_reporter_is_refused_with_a_clear_message",
            "test_a_hidden_report_is_404",
        ),
    ),
    "web:report_follow": Access(
        REPORT,
        nodes(
            "web.tests.test_support",
            "test_a_visitor_is_sent_to_sign_in",
            "test_a_hidden_report_is_404",
        ),
    ),
    "web:report_similar": Access(
        SIGNED_IN,
        nodes(
            "web.tests.test_support",
            "test_the_fragment_needs_sign_in",
            "test_the_fragment_lists_only_open_public_reports_in_the_same_place",
            "test_the_fragment_leaves_out_the_citizens_own_reports_and_masks_nothing_it_should_not",
        ),
    ),
    "web:report_new": Access(
        SIGNED_IN,
        nodes("web.tests.test_submit", "test_anonymous_visitor_is_sent_to_sign_in_and_back")
        + nodes("web.tests.test_pages", "test_signed_in_pages_render_for_signed_in_users"),
    ),
    "web:report_sent": Access(
        REPORT, nodes("web.tests.test_tracking", "test_confirmation_page_only_for_the_reporter")
    ),
    "web:track": Access(
        PUBLIC,
        nodes("web.tests.test_pages", "test_public_pages_render_for_everyone")
        + nodes("web.tests.test_tracking", "test_track_search_box_redirects_to_the_report"),
    ),
    "web:track_detail": Access(
        REPORT,
        nodes(
            "web.tests.test_tracking",
            "test_tracking_page_visibility_matrix",
            "test_missing_and_forbidden_reports_give_the_same_404",
        )
        + nodes(
            "web.tests.test_reporter_actions",
            "test_others_may_not_act_for_the_reporter",
            "test_a_confidential_report_stays_404_for_a_post",
        ),
    ),
    "web:my_reports": Access(
        SIGNED_IN,
        nodes(
            "web.tests.test_feed",
            "test_my_reports_needs_sign_in",
            "test_my_reports_lists_only_mine_with_confidential_ones",
        ),
    ),
    "web:attachment_download": Access(
        REPORT,
        nodes(
            "web.tests.test_attachments", "test_download_matrix", "test_missing_attachment_is_404"
        ),
    ),
    "web:attachment_thumbnail": Access(
        REPORT,
        nodes(
            "web.tests.test_attachments",
            "test_thumbnail_matrix",
            "test_a_file_of_a_note_between_desks_only_for_those_who_handle_it",
            "test_no_thumbnail_of_a_document_a_missing_file_or_an_unready_image",
        ),
    ),
    "web:region_options": Access(
        PUBLIC,
        nodes(
            "web.tests.test_pickers",
            "test_provinces_when_no_parent",
            "test_region_picker_needs_no_sign_in_and_no_post",
        ),
    ),
    "web:agency_suggestions": Access(
        PUBLIC,
        nodes(
            "web.tests.test_pickers",
            "test_agency_suggestions",
            "test_agency_suggestions_leave_out_bodies_that_take_no_reports",
        ),
    ),
    "web:staff_queue": Access(
        ROLE,
        nodes(
            "web.tests.test_staff_access", "test_the_queue_is_for_the_national_admin_and_oversight"
        ),
    ),
    "web:staff_inbox": Access(
        ROLE,
        nodes(
            "web.tests.test_staff_access",
            "test_the_inbox_is_for_staff_and_shows_only_their_reports",
        ),
    ),
    "exports:inbox": Access(
        ROLE,
        nodes(
            "exports.tests.test_exports",
            "test_visitors_are_sent_to_sign_in_and_citizens_get_403",
            "test_an_agency_export_never_holds_another_agencys_report",
        ),
    ),
    "exports:queue": Access(
        ROLE,
        nodes(
            "exports.tests.test_exports",
            "test_visitors_are_sent_to_sign_in_and_citizens_get_403",
            "test_the_queue_export_is_for_the_desk_and_oversight_only",
        ),
    ),
    **{
        name: Access(
            ROLE,
            nodes(
                "exports.tests.test_jobs",
                "test_visitors_sign_in_and_citizens_get_403_for_jobs",
                "test_another_users_job_is_404_everywhere",
                "test_a_job_of_a_list_the_owner_may_no_longer_export_is_gone",
            ),
        )
        for name in ("exports:jobs", "exports:job", "exports:job_download")
    },
    "web:staff_report": Access(
        REPORT,
        nodes(
            "web.tests.test_staff_access",
            "test_the_staff_report_page",
            "test_who_may_not_act_changes_nothing",
            "test_anonymous_posts_are_sent_to_sign_in",
            "test_a_missing_report_is_the_same_404",
        ),
    ),
    "web:staff_response_template": Access(
        REPORT,
        nodes(
            "web.tests.test_staff_templates",
            "test_a_visitor_is_sent_to_sign_in_for_the_fill",
            "test_the_fill_is_for_who_may_respond",
            "test_oversight_gets_no_fill",
        ),
    ),
}


def _walk(resolver: URLResolver, namespace: str = "", route: str = "") -> Iterator[str]:
    """The key of every pattern: its (namespaced) name, else its route; a grouped
    third-party set once."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
            group = GROUPED.get(pattern.namespace or "") or GROUPED.get(str(module))
            if group:
                yield group
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern, inner, route + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield route + str(pattern.pattern)


def url_keys() -> set[str]:
    return set(_walk(get_resolver()))


def _resolve_test(node_id: str):
    module_name, *attributes = node_id.split("::")
    target = importlib.import_module(module_name)
    for attribute in attributes:
        target = getattr(target, attribute, None)
    return target


def test_the_walk_finds_the_api_open311_and_the_grouped_sets():
    keys = url_keys()
    assert {"api:report_detail", "api:inbox", "open311:requests", "admin", "allauth"} <= keys
    assert not any(key.startswith(("admin:", "account_", "socialaccount_")) for key in keys)


def test_every_url_has_an_access_test():
    missing = sorted(url_keys() - ACCESS.keys())
    assert not missing, (
        f"URLs without an access test: {missing}. Write the negative test (anonymous "
        "visitor, wrong role, wrong agency, confidential report) and add it to ACCESS."
    )


def test_no_entry_for_a_url_that_is_gone():
    assert not sorted(ACCESS.keys() - url_keys())


@pytest.mark.parametrize("key", sorted(ACCESS))
def test_each_entry_names_a_rule_and_tests_that_exist(key):
    access = ACCESS[key]
    assert access.rule in {PUBLIC, SIGNED_IN, ROLE, REPORT, TOKEN, GATEWAY}
    assert access.tests
    for node_id in access.tests:
        test = _resolve_test(node_id)
        assert callable(test), f"{key}: {node_id} does not exist"
        assert node_id.rsplit("::", 1)[-1].startswith("test_"), node_id
