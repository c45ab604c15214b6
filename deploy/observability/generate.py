#!/usr/bin/env python3
"""Laissez's SLOs, alerts and dashboards as code.

One description (the SLOS, PLATFORM_ALERTS and DASHBOARDS below) writes:

  rules/slos.rules.yml, rules/platform.rules.yml   Prometheus rule files
  prometheus-rules.yaml                            the same, as PrometheusRule resources
  tests/slos.test.yml                              promtool unit tests of every burn-rate alert
  dashboards/*.json                                Grafana dashboards
  metrics.txt                                      every metric the rules and dashboards read

Run it after changing this file; `--check` (run by the test suite) fails
when a written file differs from what it would write.

    python3 deploy/observability/generate.py [--check]
"""

import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

# Where each alert's runbook is published (docs/runbooks/<name>.md in the
# repository); a placeholder, like the production overlay's other ones.
RUNBOOK_BASE = "https://git.example.org/laissez/laissez/-/blob/main/docs/runbooks/"

# Multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5):
# (name, severity, long window, short window, burn rate, for, traffic window).
BURN_ALERTS = [
    ("BurnFast", "page", "1h", "5m", 14.4, "2m", "1h"),
    ("BurnMedium", "page", "6h", "30m", 6, "15m", "6h"),
    ("BurnSlow", "ticket", "3d", "6h", 1, "1h", "6h"),
]
WINDOWS = ["5m", "30m", "1h", "6h", "3d"]
TRAFFIC_WINDOWS = {"1h": 3600, "6h": 21600}

# Bucket bounds are matched as "1" (how the services write them) or "1.0"
# (how Prometheus 3 normalises them on ingestion).
# SERVER_FAULTS: gRPC codes that are the platform's fault, not the caller's.
SERVER_FAULTS = "Internal|Unavailable|Unknown|DeadlineExceeded|DataLoss"

SLOS = [
    {
        "name": "portal-availability",
        "title": "Portal availability",
        "alert": "PortalAvailability",
        "objective": 0.999,
        "description": "requests to the portal and API answered without a server error (5xx)",
        "errors": 'sum by (agency) (rate(http_server_requests_total{{status=~"5.."}}[{w}]))',
        "total": "sum by (agency) (rate(http_server_requests_total[{w}]))",
        "min_events_per_hour": 60,
    },
    {
        "name": "portal-latency",
        "title": "Portal latency",
        "alert": "PortalLatency",
        "objective": 0.99,
        "description": "requests to the portal and API answered within 1 s (p99 under 1 s)",
        "errors": "sum by (agency) (rate(http_server_request_duration_seconds_count[{w}]))"
        ' - sum by (agency) (rate(http_server_request_duration_seconds_bucket{{le=~"1|1.0"}}[{w}]))',
        "total": "sum by (agency) (rate(http_server_request_duration_seconds_count[{w}]))",
        "min_events_per_hour": 60,
    },
    {
        "name": "submission-success",
        "title": "Submission success",
        "alert": "SubmissionSuccess",
        "objective": 0.995,
        "description": "submissions not failed by the platform (an applicant's refusable mistakes do not count)",
        "errors": f'sum by (agency) (rate(intake_submissions_total{{{{outcome=~"{SERVER_FAULTS}"}}}}[{{w}}]))',
        "total": "sum by (agency) (rate(intake_submissions_total[{w}]))",
        "min_events_per_hour": 10,
    },
    {
        "name": "event-delivery",
        "title": "Event delivery lag",
        "alert": "EventDelivery",
        "objective": 0.99,
        "description": "events handled by their consumers within 10 s of the change that produced them",
        "errors": "sum by (agency) (rate(laissez_eventbus_delivery_lag_seconds_count[{w}]))"
        ' - sum by (agency) (rate(laissez_eventbus_delivery_lag_seconds_bucket{{le=~"10|10.0"}}[{w}]))',
        "total": "sum by (agency) (rate(laissez_eventbus_delivery_lag_seconds_count[{w}]))",
        "min_events_per_hour": 30,
    },
    {
        "name": "payment-callbacks",
        "title": "Payment callback processing",
        "alert": "PaymentCallbacks",
        "objective": 0.999,
        "description": "verified provider notices applied without a fault on our side",
        "errors": 'sum by (agency) (rate(payment_callbacks_total{{result="error"}}[{w}]))',
        "total": "sum by (agency) (rate(payment_callbacks_total[{w}]))",
        "min_events_per_hour": 10,
    },
    {
        "name": "render-success",
        "title": "Render success",
        "alert": "RenderSuccess",
        "objective": 0.995,
        "description": "documents rendered, sealed and stored at the first attempt",
        "errors": "sum by (agency) (rate(render_failures_total[{w}]))",
        "total": "sum by (agency) (rate(render_documents_total[{w}]))"
        " + sum by (agency) (rate(render_failures_total[{w}]))",
        "min_events_per_hour": 10,
    },
]


def ratio_record(window):
    return f"laissez:slo_errors:ratio_rate{window}"


def traffic_record(window):
    return f"laissez:slo_events:rate{window}"


def slo_rules():
    groups = []
    for slo in SLOS:
        rules = []
        labels = {"slo": slo["name"]}
        for window in WINDOWS:
            errors = slo["errors"].format(w=window)
            total = slo["total"].format(w=window)
            # `or … * 0`: an agency with traffic but no error series yet
            # has a ratio of 0, not none.
            rules.append({
                "record": ratio_record(window),
                "expr": f"({errors} or ({total}) * 0)\n/\n({total})",
                "labels": labels,
            })
        for window in TRAFFIC_WINDOWS:
            rules.append({
                "record": traffic_record(window),
                "expr": slo["total"].format(w=window),
                "labels": labels,
            })
        rules.append({
            "record": "laissez:slo_objective:ratio",
            "expr": f"vector({slo['objective']})",
            "labels": labels,
        })
        for alert in burn_alerts(slo):
            rules.append(alert)
        groups.append({"name": f"slo-{slo['name']}", "rules": rules})
    # The budget left over 30 days, for the dashboards: the mean of the
    # hourly error ratio, against the budget (evaluated every 5 minutes).
    budget_rules = []
    for slo in SLOS:
        budget = round(1 - slo["objective"], 6)
        budget_rules.append({
            "record": "laissez:slo_budget_remaining:ratio30d",
            "expr": f'1 - avg_over_time({ratio_record("1h")}{{slo="{slo["name"]}"}}[30d]) / {budget}',
            "labels": {"slo": slo["name"]},
        })
    groups.append({"name": "slo-budgets", "interval": "5m", "rules": budget_rules})
    return {"groups": groups}


def burn_alerts(slo):
    budget = round(1 - slo["objective"], 6)
    selector = f'{{slo="{slo["name"]}"}}'
    for suffix, severity, long, short, rate, hold, traffic in BURN_ALERTS:
        threshold = round(rate * budget, 6)
        minimum = slo["min_events_per_hour"] * TRAFFIC_WINDOWS[traffic] // 3600
        yield {
            "alert": f"{slo['alert']}{suffix}",
            "expr": (
                f"{ratio_record(long)}{selector} > {threshold}\n"
                f"and {ratio_record(short)}{selector} > {threshold}\n"
                # Too little traffic for the ratio to mean anything.
                f"and {traffic_record(traffic)}{selector} * {TRAFFIC_WINDOWS[traffic]} >= {minimum}"
            ),
            "for": hold,
            "labels": {"severity": severity, "slo": slo["name"]},
            "annotations": burn_annotations(slo, "{{ $labels.agency }}", long, short, rate, threshold),
        }


def burn_annotations(slo, agency, long, short, rate, threshold):
    budget = round(1 - slo["objective"], 6)
    return {
        "summary": f"{slo['title']} of {agency} is burning its error budget at least {rate:g}× too fast",
        "description": (
            f"Over {long} and over {short}, more than {threshold * 100:g}% of {slo['description']} failed; "
            f"the objective is {slo['objective'] * 100:g}% (budget {budget * 100:g}%). "
            f"At {rate:g}× the 30-day budget lasts {30 / rate:.1f} days."
        ),
        "runbook_url": f"{RUNBOOK_BASE}{slo['name']}.md",
    }


PLATFORM_ALERTS = [
    {
        "alert": "DeadLetterQueueGrowing",
        "expr": "max by (consumer) (laissez_eventbus_dead_letter_messages) > 0\n"
        "and max by (consumer) (delta(laissez_eventbus_dead_letter_messages[15m])) > 0",
        "for": "5m",
        "severity": "ticket",
        "summary": "Dead letters of {{ $labels.consumer }} are growing: {{ $value }} waiting",
        "runbook": "dead-letter-queue-growing",
    },
    {
        "alert": "ConsumerBacklogHigh",
        "expr": "max by (consumer) (laissez_eventbus_queue_messages) > 5000",
        "for": "10m",
        "severity": "page",
        "summary": "{{ $labels.consumer }} has {{ $value }} events waiting",
        "runbook": "consumer-backlog-high",
    },
    {
        "alert": "OutboxLagHigh",
        "expr": "max by (job) (laissez_eventbus_outbox_lag_seconds) > 60",
        "for": "5m",
        "severity": "page",
        "summary": "The oldest unpublished event of {{ $labels.job }} is {{ $value | humanizeDuration }} old",
        "runbook": "outbox-lag-high",
    },
    {
        "alert": "RelayWithoutLeader",
        "expr": "max by (job) (laissez_eventbus_relay_leading) == 0",
        "for": "5m",
        "severity": "page",
        "summary": "No replica of {{ $labels.job }} holds the outbox relay lock: its events are not published",
        "runbook": "relay-without-leader",
    },
    {
        "alert": "DependencyDown",
        "expr": "min by (job, dependency) (dependency_up) == 0",
        "for": "2m",
        "severity": "page",
        "summary": "{{ $labels.job }} cannot reach {{ $labels.dependency }}",
        "runbook": "dependency-down",
    },
    {
        "alert": "ReconciliationDifferences",
        "expr": "sum by (agency) (increase(payment_reconciliation_differences_total[1d])) > 0",
        "for": "1m",
        "severity": "ticket",
        "summary": "The payment reconciliation of {{ $labels.agency }} found {{ $value }} differences",
        "runbook": "reconciliation-differences",
    },
    {
        "alert": "SealKeyRotationDue",
        "expr": "time() - max by (agency) (render_seal_signing_key_created_timestamp_seconds) > 335 * 86400",
        "for": "1h",
        "severity": "ticket",
        "summary": "The seal key of {{ $labels.agency }} is over 335 days old: rotate it before its year is up",
        "runbook": "seal-key-rotation-due",
    },
    {
        "alert": "CertificateExpiresSoon",
        "expr": "min by (name, namespace) (certmanager_certificate_expiration_timestamp_seconds) - time() < 14 * 86400",
        "for": "1h",
        "severity": "ticket",
        "summary": "Certificate {{ $labels.name }} expires in {{ $value | humanizeDuration }}",
        "runbook": "certificate-expires-soon",
    },
]

# Read by the rules but exported by others than the services.
EXTERNAL_METRICS = {
    "certmanager_certificate_expiration_timestamp_seconds": "cert-manager",
}

# Exported only once a rare event happened: the suite's journey cannot make
# them appear, so it looks for them in the services' code instead.
EVENT_ONLY = {
    "gateway_rate_limited_total": "a client was rate-limited",
    "intake_job_failures_total": "a periodic job failed",
    "notify_messages_failed_total": "a message failed for good",
    "payment_reconciliation_differences_total": "a reconciliation found a difference",
    "render_failures_total": "a document failed to render",
    "review_sla_breaches_total": "a case passed its review deadline",
    "payment_callbacks_total": "a provider posted a notice (the card journeys)",
    "render_seal_checks_total": "someone checked a seal",
    "intake_appointment_holds_total": "an appointment was held (Fujian books none)",
    "render_seal_signing_key_created_timestamp_seconds": "render holds a signing key (the test stack makes one on the first seal)",
}


def platform_rules():
    rules = []
    for alert in PLATFORM_ALERTS:
        rules.append({
            "alert": alert["alert"],
            "expr": alert["expr"],
            "for": alert["for"],
            "labels": {"severity": alert["severity"]},
            "annotations": {
                "summary": alert["summary"],
                "runbook_url": f"{RUNBOOK_BASE}{alert['runbook']}.md",
            },
        })
    return {"groups": [{"name": "platform", "rules": rules}]}


def prometheus_rule(name, rules):
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "laissez"}},
        "spec": rules,
    }


# ---------------------------------------------------------------- unit tests


def series(expression, step_values):
    return {"series": expression, "values": step_values}


def slo_tests():
    """For each SLO: errors at 2% of traffic fire all three burn alerts; at
    0.3% only the slow one (above 1× but under 6× of the loosest budgets);
    at 0.05% none; and 2% of too little traffic fires nothing."""
    tests = []
    for slo in SLOS:
        budget = 1 - slo["objective"]
        for case, error_share, per_minute, expect in [
            ("burning fast", 20 * budget, 600, {"BurnFast", "BurnMedium", "BurnSlow"}),
            ("burning slowly", 3 * budget, 600, {"BurnSlow"}),
            ("within budget", 0.5 * budget, 600, set()),
            ("too little traffic", 20 * budget, 0.1, set()),
        ]:
            tests.append(slo_test(slo, case, error_share, per_minute, expect))
    return {"rule_files": ["../rules/slos.rules.yml"], "evaluation_interval": "1m", "tests": tests}


def slo_test(slo, case, error_share, per_minute, expect):
    """Seven hours of traffic at `per_minute` events a minute, a share of
    them failing; the alerts are checked at the end."""
    minutes = 7 * 60
    agency = "tw-nia"
    total = per_minute
    errors = round(per_minute * error_share, 6)
    good = round(total - errors, 6)
    name = slo["name"]
    inputs = []
    if name == "portal-availability":
        inputs = [
            series(f'http_server_requests_total{{agency="{agency}",status="200"}}', f"0+{good}x{minutes}"),
            series(f'http_server_requests_total{{agency="{agency}",status="503"}}', f"0+{errors}x{minutes}"),
        ]
    elif name == "portal-latency":
        inputs = [
            series(f'http_server_request_duration_seconds_count{{agency="{agency}"}}', f"0+{total}x{minutes}"),
            series(f'http_server_request_duration_seconds_bucket{{agency="{agency}",le="1"}}', f"0+{good}x{minutes}"),
        ]
    elif name == "submission-success":
        inputs = [
            series(f'intake_submissions_total{{agency="{agency}",outcome="ok"}}', f"0+{good}x{minutes}"),
            series(f'intake_submissions_total{{agency="{agency}",outcome="Internal"}}', f"0+{errors}x{minutes}"),
        ]
    elif name == "event-delivery":
        inputs = [
            series(f'laissez_eventbus_delivery_lag_seconds_count{{agency="{agency}",consumer="notify.messages"}}', f"0+{total}x{minutes}"),
            series(f'laissez_eventbus_delivery_lag_seconds_bucket{{agency="{agency}",consumer="notify.messages",le="10"}}', f"0+{good}x{minutes}"),
        ]
    elif name == "payment-callbacks":
        inputs = [
            series(f'payment_callbacks_total{{agency="{agency}",provider="card",result="ok"}}', f"0+{good}x{minutes}"),
            series(f'payment_callbacks_total{{agency="{agency}",provider="card",result="error"}}', f"0+{errors}x{minutes}"),
        ]
    elif name == "render-success":
        inputs = [
            series(f'render_documents_total{{agency="{agency}",kind="permit"}}', f"0+{good}x{minutes}"),
            series(f'render_failures_total{{agency="{agency}",kind="permit"}}', f"0+{errors}x{minutes}"),
        ]
    else:
        raise SystemExit(f"no synthetic series for SLO {name}")
    checks = []
    budget = round(1 - slo["objective"], 6)
    for suffix, severity, long, short, rate, *_ in BURN_ALERTS:
        alert = f"{slo['alert']}{suffix}"
        fired = []
        if suffix in expect:
            threshold = round(rate * budget, 6)
            fired = [{
                "exp_labels": {"agency": agency, "slo": name, "severity": severity},
                "exp_annotations": burn_annotations(slo, agency, long, short, rate, threshold),
            }]
        checks.append({"eval_time": f"{minutes}m", "alertname": alert, "exp_alerts": fired})
    return {"name": f"{name}: {case}", "interval": "1m", "input_series": inputs, "alert_rule_test": checks}


def platform_tests():
    """Each platform alert fires on a series that should wake someone and
    stays quiet on its healthy twin."""

    def case(name, inputs, alert, at, fired_labels):
        fired = []
        if fired_labels is not None:
            spec = next(a for a in PLATFORM_ALERTS if a["alert"] == alert)
            fired = [{"exp_labels": {**fired_labels, "severity": spec["severity"]}}]
        return {
            "name": name,
            "interval": "1m",
            "input_series": [series(expr, values) for expr, values in inputs],
            "alert_rule_test": [{"eval_time": at, "alertname": alert, "exp_alerts": fired}],
        }

    def with_annotations(test):
        # The summaries are templates; the tests check labels and leave the
        # wording to the reviewers of this file.
        for check in test["alert_rule_test"]:
            for alert in check["exp_alerts"]:
                spec = next(a for a in PLATFORM_ALERTS if a["alert"] == check["alertname"])
                alert["exp_annotations"] = {
                    "summary": render_summary(spec["summary"], alert["exp_labels"], test),
                    "runbook_url": f"{RUNBOOK_BASE}{spec['runbook']}.md",
                }
        return test

    dlq = 'laissez_eventbus_dead_letter_messages{consumer="notify.messages",job="notify"}'
    leading = 'laissez_eventbus_relay_leading{job="intake",pod="intake-%s"}'
    lag = 'laissez_eventbus_outbox_lag_seconds{job="payment"}'
    differences = 'payment_reconciliation_differences_total{agency="tw-nia"}'
    tests = [
        case("dead letters growing", [(dlq, "0 0 1+1x40")], "DeadLetterQueueGrowing", "30m",
             {"consumer": "notify.messages"}),
        case("dead letters standing still", [(dlq, "3x40")], "DeadLetterQueueGrowing", "30m", None),
        case("no relay leads", [(leading % "a", "0x20"), (leading % "b", "0x20")], "RelayWithoutLeader", "15m",
             {"job": "intake"}),
        case("one relay leads", [(leading % "a", "1x20"), (leading % "b", "0x20")], "RelayWithoutLeader", "15m", None),
        case("outbox lagging", [(lag, "120x20")], "OutboxLagHigh", "15m", {"job": "payment"}),
        case("outbox current", [(lag, "2x20")], "OutboxLagHigh", "15m", None),
        case("reconciliation differs", [(differences, "0 0 2x10")], "ReconciliationDifferences", "10m",
             {"agency": "tw-nia"}),
        case("reconciliation agrees", [(differences, "0x10")], "ReconciliationDifferences", "10m", None),
    ]
    return {
        "rule_files": ["../rules/platform.rules.yml"],
        "evaluation_interval": "1m",
        "tests": [with_annotations(test) for test in tests],
    }


# The value each platform test's alert has when it is checked (for its summary).
PLATFORM_TEST_VALUES = {
    "dead letters growing": "29",
    "outbox lagging": "2m 0s",
    "reconciliation differs": "2",
}


def render_summary(template, labels, test):
    text = template
    for key, value in labels.items():
        text = text.replace("{{ $labels." + key + " }}", value)
    value = PLATFORM_TEST_VALUES.get(test["name"], "")
    text = text.replace("{{ $value | humanizeDuration }}", value).replace("{{ $value }}", value)
    return text


# ---------------------------------------------------------------- dashboards

SERVICES = ["gateway", "identity", "intake", "review", "payment", "render", "notify"]

DOMAIN_PANELS = {
    "identity": [
        ("Sign-ins by outcome", "sum by (outcome) (rate(identity_logins_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Registrations by outcome", "sum by (outcome) (rate(identity_registrations_total{agency=~\"$agency\"}[5m]))", "ops"),
    ],
    "intake": [
        ("Submissions by outcome", "sum by (outcome) (rate(intake_submissions_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Appointment holds", "sum by (agency) (rate(intake_appointment_holds_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Free appointment places", "sum by (agency) (intake_appointment_free_places{agency=~\"$agency\"})", "short"),
        ("Production overdue", "sum by (agency) (intake_production_overdue{agency=~\"$agency\"})", "short"),
        ("Job failures", "sum by (job) (increase(intake_job_failures_total[1h]))", "short"),
    ],
    "review": [
        ("Queue depth", "sum by (agency) (review_queue_depth{agency=~\"$agency\"})", "short"),
        ("Oldest waiting case", "max by (agency) (review_queue_oldest_age_seconds{agency=~\"$agency\"})", "s"),
        ("SLA breaches", "sum by (agency) (increase(review_sla_breaches_total{agency=~\"$agency\"}[1h]))", "short"),
        ("Decisions", "sum by (decision) (rate(review_decisions_total{agency=~\"$agency\"}[5m]))", "ops"),
    ],
    "payment": [
        ("Orders opened", "sum by (agency) (rate(payment_orders_opened_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Orders paid by method", "sum by (method) (rate(payment_orders_paid_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Callbacks by result", "sum by (result) (rate(payment_callbacks_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Reconciliation differences", "sum by (agency) (increase(payment_reconciliation_differences_total{agency=~\"$agency\"}[1d]))", "short"),
    ],
    "render": [
        ("Documents rendered", "sum by (kind) (rate(render_documents_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Render failures", "sum by (kind) (rate(render_failures_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Render time p95", "histogram_quantile(0.95, sum by (le, kind) (rate(render_seconds_bucket[5m])))", "s"),
        ("Seal checks by verdict", "sum by (verdict) (rate(render_seal_checks_total[5m]))", "ops"),
    ],
    "notify": [
        ("Messages sent", "sum by (channel) (rate(notify_messages_sent_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Messages failed", "sum by (channel) (rate(notify_messages_failed_total{agency=~\"$agency\"}[5m]))", "ops"),
        ("Delivery latency p95", "histogram_quantile(0.95, sum by (le, channel) (rate(notify_delivery_latency_seconds_bucket[5m])))", "s"),
    ],
    "gateway": [
        ("Rate-limited requests", "sum by (bucket) (rate(gateway_rate_limited_total[5m]))", "ops"),
    ],
}


class Board:
    def __init__(self, uid, title, tags, agency_variable=True):
        self.uid = uid
        self.title = title
        self.tags = tags
        self.panels = []
        self.agency_variable = agency_variable
        self.y = 0
        self.x = 0

    def row(self, title):
        if self.x:
            self.x, self.y = 0, self.y + 8
        self.panels.append({
            "type": "row", "title": title, "collapsed": False,
            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "id": len(self.panels) + 1, "panels": [],
        })
        self.y += 1

    def panel(self, title, expr, unit="short", kind="timeseries", legend="{{agency}}"):
        width = 8
        if self.x + width > 24:
            self.x, self.y = 0, self.y + 8
        panel = {
            "id": len(self.panels) + 1,
            "type": kind,
            "title": title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": width, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": [{
                "refId": "A",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "expr": expr,
                "legendFormat": legend_for(expr, legend),
            }],
        }
        self.panels.append(panel)
        self.x += width

    def json(self):
        variables = [{
            "name": "datasource", "type": "datasource", "query": "prometheus",
            "label": "Data source", "hide": 0,
        }]
        if self.agency_variable:
            variables.append({
                "name": "agency", "type": "query", "label": "Agency",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "query": {"query": "label_values(http_server_requests_total, agency)", "refId": "agency"},
                "definition": "label_values(http_server_requests_total, agency)",
                "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2, "sort": 1,
                "current": {"text": "All", "value": "$__all"},
            })
        return {
            "uid": self.uid,
            "title": self.title,
            "tags": ["laissez", *self.tags],
            "timezone": "utc",
            "schemaVersion": 39,
            "version": 1,
            "editable": False,
            "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": variables},
            "annotations": {"list": []},
            "panels": self.panels,
        }


def legend_for(expr, default):
    match = re.search(r"by \(([a-z_, ]+)\)", expr)
    if not match:
        return default
    labels = [label.strip() for label in match.group(1).split(",") if label.strip() != "le"]
    return " ".join("{{" + label + "}}" for label in labels) or default


def red_panels(board, service):
    if service == "gateway":
        board.panel("Requests by agency", 'sum by (agency) (rate(http_server_requests_total{agency=~"$agency"}[5m]))', "reqps")
        board.panel("Server errors (5xx) by route", 'sum by (route) (rate(http_server_requests_total{agency=~"$agency",status=~"5.."}[5m]))', "reqps")
        board.panel("p99 latency by route", 'histogram_quantile(0.99, sum by (le, route) (rate(http_server_request_duration_seconds_bucket{agency=~"$agency"}[5m])))', "s")
    else:
        board.panel("Calls by method", f'sum by (method) (rate(grpc_server_handled_total{{service="{service}",agency=~"$agency"}}[5m]))', "reqps")
        board.panel("Errors by method and code", f'sum by (method, code) (rate(grpc_server_handled_total{{service="{service}",agency=~"$agency",code!~"Ok|NotFound|InvalidArgument|AlreadyExists|FailedPrecondition|PermissionDenied|Unauthenticated"}}[5m]))', "reqps")
        board.panel("p99 latency by method", f'histogram_quantile(0.99, sum by (le, method) (rate(grpc_server_handling_seconds_bucket{{service="{service}",agency=~"$agency"}}[5m])))', "s")


def eventbus_panels(board, service):
    job = f'job=~".*{service}.*"'
    board.panel("Waiting events by consumer", f"sum by (consumer) (laissez_eventbus_queue_messages{{{job}}})", "short")
    board.panel("Dead letters by consumer", f"sum by (consumer) (laissez_eventbus_dead_letter_messages{{{job}}})", "short")
    board.panel("Outbox lag", f"max by (job) (laissez_eventbus_outbox_lag_seconds{{{job}}})", "s")
    board.panel("Handler time p95", f"histogram_quantile(0.95, sum by (le, consumer) (rate(laissez_eventbus_handler_seconds_bucket{{{job}}}[5m])))", "s")
    board.panel("Consumed by outcome", f"sum by (outcome) (rate(laissez_eventbus_consumed_total{{{job}}}[5m]))", "ops")
    board.panel("Relay leader", f"max by (job) (laissez_eventbus_relay_leading{{{job}}})", "short")


def dashboards():
    boards = {}
    overview = Board("laissez-overview", "Laissez: platform overview", ["overview"])
    overview.row("Portal")
    overview.panel("Requests by agency", 'sum by (agency) (rate(http_server_requests_total{agency=~"$agency"}[5m]))', "reqps")
    overview.panel("Server error ratio by agency", 'laissez:slo_errors:ratio_rate5m{slo="portal-availability",agency=~"$agency"}', "percentunit")
    overview.panel("p99 latency", 'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{agency=~"$agency"}[5m])))', "s", legend="p99")
    overview.row("Services")
    overview.panel("Calls by service", 'sum by (service) (rate(grpc_server_handled_total{agency=~"$agency"}[5m]))', "reqps")
    overview.panel("Server faults by service", f'sum by (service) (rate(grpc_server_handled_total{{agency=~"$agency",code=~"{SERVER_FAULTS}"}}[5m]))', "reqps")
    overview.panel("Dependencies down", "count by (job, dependency) (dependency_up == 0)", "short")
    overview.row("Events")
    overview.panel("Waiting events by consumer", "sum by (consumer) (laissez_eventbus_queue_messages)", "short")
    overview.panel("Dead letters by consumer", "sum by (consumer) (laissez_eventbus_dead_letter_messages)", "short")
    overview.panel("Outbox lag by service", "max by (job) (laissez_eventbus_outbox_lag_seconds)", "s")
    overview.row("Error budgets (30 days)")
    overview.panel("Budget left by SLO and agency", 'laissez:slo_budget_remaining:ratio30d{agency=~"$agency"}', "percentunit", kind="bargauge", legend="{{slo}} {{agency}}")
    overview.panel("Fast burn by SLO", 'laissez:slo_errors:ratio_rate1h{agency=~"$agency"} / on (slo) group_left () (1 - laissez:slo_objective:ratio)', "short", legend="{{slo}} {{agency}}")
    boards["overview"] = overview

    for service in SERVICES:
        board = Board(f"laissez-{service}", f"Laissez: {service}", ["service", service])
        board.row("Rate, errors, duration")
        red_panels(board, service)
        if DOMAIN_PANELS.get(service):
            board.row("Domain")
            for title, expr, unit in DOMAIN_PANELS[service]:
                board.panel(title, expr, unit)
        if service != "gateway":
            board.row("Events")
            eventbus_panels(board, service)
        boards[f"service-{service}"] = board

    agency = Board("laissez-agency", "Laissez: agency", ["agency"])
    agency.row("Error budgets and burn")
    agency.panel("Budget left (30 days) by SLO", 'laissez:slo_budget_remaining:ratio30d{agency=~"$agency"}', "percentunit", kind="bargauge", legend="{{slo}}")
    agency.panel("Burn rate (1 h) by SLO", 'laissez:slo_errors:ratio_rate1h{agency=~"$agency"} / on (slo) group_left () (1 - laissez:slo_objective:ratio)', "short", legend="{{slo}}")
    agency.panel("Burn rate (6 h) by SLO", 'laissez:slo_errors:ratio_rate6h{agency=~"$agency"} / on (slo) group_left () (1 - laissez:slo_objective:ratio)', "short", legend="{{slo}}")
    agency.row("Review queue")
    agency.panel("Queue depth", 'sum by (agency) (review_queue_depth{agency=~"$agency"})', "short")
    agency.panel("Oldest waiting case", 'max by (agency) (review_queue_oldest_age_seconds{agency=~"$agency"})', "s")
    agency.panel("SLA breaches (1 h)", 'sum by (agency) (increase(review_sla_breaches_total{agency=~"$agency"}[1h]))', "short")
    agency.row("Applications and money")
    agency.panel("Submissions", 'sum by (agency) (rate(intake_submissions_total{agency=~"$agency",outcome="ok"}[5m]))', "ops")
    agency.panel("Orders paid", 'sum by (agency) (rate(payment_orders_paid_total{agency=~"$agency"}[5m]))', "ops")
    agency.panel("Documents rendered", 'sum by (agency) (rate(render_documents_total{agency=~"$agency"}[5m]))', "ops")
    agency.panel("Sign-ins", 'sum by (agency) (rate(identity_logins_total{agency=~"$agency",outcome="ok"}[5m]))', "ops")
    agency.panel("Messages sent", 'sum by (agency) (rate(notify_messages_sent_total{agency=~"$agency"}[5m]))', "ops")
    agency.panel("Event delivery p99", 'histogram_quantile(0.99, sum by (le, agency) (rate(laissez_eventbus_delivery_lag_seconds_bucket{agency=~"$agency"}[5m])))', "s")
    boards["agency"] = agency
    return {name: board.json() for name, board in boards.items()}


# ------------------------------------------------------------- metric names

PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "rate", "increase", "delta", "histogram_quantile",
    "avg_over_time", "time", "vector", "label_values", "offset", "bool", "humanizePercentage",
    "humanizeDuration", "topk", "bottomk", "abs", "clamp_min", "clamp_max", "inf", "nan",
}


def metric_names(expression):
    """The metrics an expression reads (not recording rules, not labels)."""
    text = re.sub(r'"[^"]*"', '""', expression)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for token in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        if ":" in token or token in PROMQL_WORDS or token.startswith("$"):
            continue
        names.add(token)
    return names


def used_metrics(rule_sets, boards):
    names = set()
    for rules in rule_sets:
        for group in rules["groups"]:
            for rule in group["rules"]:
                names |= metric_names(rule["expr"])
    for board in boards.values():
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                names |= metric_names(target["expr"])
        for variable in board["templating"]["list"]:
            if variable.get("definition"):
                names |= metric_names(variable["definition"].replace("label_values(", "").split(",")[0])
    return names


# ------------------------------------------------------------------- output


def dump_yaml(document):
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def outputs():
    slos = slo_rules()
    platform = platform_rules()
    boards = dashboards()
    header = "# Written by deploy/observability/generate.py: edit that, then run it.\n"
    files = {
        "rules/slos.rules.yml": header + dump_yaml(slos),
        "rules/platform.rules.yml": header + dump_yaml(platform),
        "prometheus-rules.yaml": header
        + dump_yaml(prometheus_rule("laissez-slos", slos))
        + "---\n"
        + dump_yaml(prometheus_rule("laissez-platform", platform)),
        "tests/slos.test.yml": header + dump_yaml(slo_tests()),
        "tests/platform.test.yml": header + dump_yaml(platform_tests()),
    }
    for name, board in boards.items():
        files[f"dashboards/{name}.json"] = json.dumps(board, indent=2, ensure_ascii=False) + "\n"
    names = used_metrics([slos, platform], boards)
    lines = [
        "# Every metric the rules and dashboards read, written by generate.py.",
        "# The test suite scrapes a running stack and checks each is exported",
        "# (external ones name their exporter; event-only ones, exported once a",
        "# rare event happened, are looked for in the code).",
    ]
    for name in sorted(names):
        if name in EXTERNAL_METRICS:
            lines.append(f"{name} external {EXTERNAL_METRICS[name]}")
        elif name in EVENT_ONLY:
            lines.append(f"{name} event-only: {EVENT_ONLY[name]}")
        else:
            lines.append(name)
    files["metrics.txt"] = "\n".join(lines) + "\n"
    return files


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for relative, text in outputs().items():
        path = HERE / relative
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(relative)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("deploy/observability is out of date; run deploy/observability/generate.py:", file=sys.stderr)
        for relative in stale:
            print(f"  {relative}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
