"""Response of a line of therapy: baseline, follow-up and classification.

Proteinuria series: UPCR (g/g) and 24 h protein (g/day) merged into one series; a 24 h
protein in g/day is taken as equivalent to a UPCR in g/g (the usual clinical
convention). On a day with both, the 24 h value is kept (KDIGO 2024 prefers a 24 h
urine for the response definitions).

Comparators: a ``<`` value (``<0.1``) is below any threshold at or above the number; a
``<=`` value is below a threshold above the number; a ``>``/``>=`` value is never
"below". For renal function a value is only "worse" when its number is beyond the band
and its comparator does not point to the better side.

Classification of a line at a date ``at`` (first that applies), counted from the line's
``clock_start``:
INSUFFICIENT_DATA (no baseline proteinuria, or no recent follow-up value: none since
the start once the start is older than the recency window) -> COMPLETE / PARTIAL (met
at the latest value, whatever the month) -> TOO_EARLY (before the ruleset's earliest
month) -> NONE. When renal function cannot be assessed (no creatinine or eGFR
baseline), response is judged on proteinuria alone and a reason says so. A newer
proteinuria result that could not be read (e.g. ``"<0.1"`` with no unit) turns a NONE
into INSUFFICIENT_DATA: no patient is called a non-responder on a value older than
their latest result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from operator import attrgetter

from fhir_mappings import wording
from fhir_mappings.facts import Analyte, LabPoint, PatientFacts, TherapyLine, UnreadableResult
from fhir_mappings.findings import ResponseAssessment, ResponseClass
from fhir_mappings.rulesets import DAYS_PER_MONTH, Ruleset

#: Float tolerance for every threshold comparison of the rules (a value at a boundary
#: stays at it: 1.3 - 1.0 is 0.30000000000000004). Not clinical; one home for it.
EPS = 1e-9
_BELOW_COMPARATORS = frozenset({"<", "<="})
_ABOVE_COMPARATORS = frozenset({">", ">="})
_PROTEINURIA = frozenset({Analyte.UPCR, Analyte.PROTEIN_24H})
_WHEN = attrgetter("when")


def months_between(start: date, end: date) -> float:
    """Months from ``start`` to ``end`` (30.4375 days a month)."""
    return (end - start).days / DAYS_PER_MONTH


def is_below(point: LabPoint, threshold: float) -> bool:
    """Whether the true value is certainly below ``threshold`` (see module docstring)."""
    if point.comparator in _ABOVE_COMPARATORS:
        return False
    if point.comparator == "<":
        return point.value <= threshold + EPS
    return point.value < threshold - EPS


def is_at_least(point: LabPoint, threshold: float) -> bool:
    """Whether the true value is certainly at or above ``threshold``."""
    if point.comparator in _BELOW_COMPARATORS:
        return False
    return point.value >= threshold - EPS


def proteinuria_series(facts: PatientFacts, at: date | None = None) -> tuple[LabPoint, ...]:
    """UPCR and 24 h protein merged, oldest first, one value a day (24 h preferred),
    up to ``at`` (default: the evaluation date)."""
    end = facts.today if at is None else at
    by_day: dict[date, LabPoint] = {}
    for analyte in (Analyte.UPCR, Analyte.PROTEIN_24H):  # 24 h second: it wins the day
        for point in facts.labs.get(analyte).points:
            if point.day <= end:
                by_day[point.day] = point
    return tuple(by_day[day] for day in sorted(by_day))


def unreadable_proteinuria_after(
    facts: PatientFacts, after: date, at: date | None = None
) -> tuple[UnreadableResult, ...]:
    """Proteinuria results in ``(after, at]`` whose value could not be read."""
    end = facts.today if at is None else at
    return tuple(
        u for u in facts.labs.unreadable if u.analyte in _PROTEINURIA and after < u.day <= end
    )


def usable(points: Iterable[LabPoint], at: date) -> tuple[LabPoint, ...]:
    return tuple(sorted((p for p in points if p.day <= at), key=_WHEN))


def find_baseline(points: Sequence[LabPoint], start: date, ruleset: Ruleset) -> LabPoint | None:
    """The value nearest ``start`` within the window before it, else the first shortly after."""
    earliest = start - timedelta(days=ruleset.baseline_days_before)
    before = [p for p in points if earliest <= p.day <= start]
    if before:
        return max(before, key=_WHEN)
    latest_allowed = start + timedelta(days=ruleset.baseline_days_after)
    after = [p for p in points if start < p.day <= latest_allowed]
    return after[0] if after else None


def renal_worse(baseline: LabPoint, point: LabPoint, ruleset: Ruleset) -> bool:
    """Renal function at ``point`` worse than ``baseline`` beyond the ruleset's band."""
    if point.analyte is Analyte.CREATININE:
        beyond = point.value > baseline.value * (1 + ruleset.creatinine_band) + EPS
        return beyond and point.comparator not in _BELOW_COMPARATORS
    beyond = point.value < baseline.value * (1 - ruleset.egfr_band) - EPS
    return beyond and point.comparator not in _ABOVE_COMPARATORS


class RenalSeries:
    """Renal-function baselines per analyte, in the ruleset's order of preference."""

    def __init__(self, facts: PatientFacts, start: date, ruleset: Ruleset, at: date) -> None:
        self.ruleset = ruleset
        self.series: list[tuple[LabPoint, tuple[LabPoint, ...]]] = []
        for analyte in ruleset.stability_order():
            points = usable(facts.labs.get(analyte).points, at)
            baseline = find_baseline(points, start, ruleset)
            if baseline is not None and baseline.value > 0:
                self.series.append((baseline, points))

    @property
    def preferred(self) -> tuple[LabPoint, tuple[LabPoint, ...]] | None:
        return self.series[0] if self.series else None

    def stable_on(self, day: date) -> bool | None:
        """Stable (not worse beyond the band) at the last value on or before ``day``."""
        if self.preferred is None:
            return None
        baseline, points = self.preferred
        upto = [p for p in points if baseline.day <= p.day <= day]
        current = upto[-1] if upto else baseline
        return not renal_worse(baseline, current, self.ruleset)


def level_at(
    baseline: LabPoint, point: LabPoint, stable: bool | None, ruleset: Ruleset
) -> ResponseClass:
    """COMPLETE, PARTIAL or NONE at one follow-up value (``stable`` None = unknown)."""
    if stable is False:
        return ResponseClass.NONE
    if is_below(point, ruleset.cr_proteinuria_below_g_g):
        return ResponseClass.COMPLETE
    if baseline.value <= 0 or point.comparator in _ABOVE_COMPARATORS:
        return ResponseClass.NONE
    fall = (baseline.value - point.value) / baseline.value
    if fall < ruleset.pr_min_fall - EPS:
        return ResponseClass.NONE
    # KDIGO 2012 applies the cap only from a nephrotic baseline; from a lower baseline a
    # >= 50% fall is below the cap anyway, so the flag mirrors the text, not a difference.
    nephrotic = baseline.value >= ruleset.nephrotic_baseline_g_g - EPS
    if (nephrotic or not ruleset.pr_cap_only_if_nephrotic) and not is_below(
        point, ruleset.pr_cap_below_g_g
    ):
        return ResponseClass.NONE
    return ResponseClass.PARTIAL


_RANK = {ResponseClass.NONE: 0, ResponseClass.PARTIAL: 1, ResponseClass.COMPLETE: 2}


def assess_line(
    facts: PatientFacts, line: TherapyLine, ruleset: Ruleset, at: date | None = None
) -> ResponseAssessment:
    """Classify the response of ``line`` at ``at`` (default: the evaluation date)."""
    end = facts.today if at is None else at
    start = line.clock_start
    months = months_between(start, end)
    series = proteinuria_series(facts, end)
    baseline = find_baseline(series, start, ruleset)
    renal = RenalSeries(facts, start, ruleset, end)
    base_renal, renal_points = renal.preferred or (None, ())
    latest_renal = renal_points[-1] if renal_points else None
    after = max(start, baseline.day) if baseline is not None else start
    follow_up = tuple(p for p in series if p.day > after)
    latest = follow_up[-1] if follow_up else None
    reasons: list[str] = []
    first_response: date | None = None
    if baseline is not None:
        first_response = next(
            (
                p.day
                for p in follow_up
                if level_at(baseline, p, renal.stable_on(p.day), ruleset) is not ResponseClass.NONE
            ),
            None,
        )

    def result(
        cls: ResponseClass,
        *,
        change: float | None = None,
        stable: bool | None = None,
        when: date | None = None,
    ) -> ResponseAssessment:
        return ResponseAssessment(
            ruleset=ruleset.name,
            classification=cls,
            line_number=line.number,
            clock_start=start,
            months_on_line=months,
            baseline_proteinuria=baseline,
            latest_proteinuria=latest,
            baseline_renal=base_renal,
            latest_renal=latest_renal,
            proteinuria_change=change,
            renal_function_stable=stable,
            response_date=when,
            first_response_date=first_response,
            follow_up=follow_up,
            reasons=tuple(reasons),
        )

    if baseline is None:
        reasons.append(
            f"No proteinuria within {ruleset.baseline_days_before} days before or "
            f"{ruleset.baseline_days_after} days after the start of the line ({start})."
        )
        return result(ResponseClass.INSUFFICIENT_DATA)
    if latest is None:
        # Within one monitoring interval of the start a missing follow-up is expected;
        # past it (ACR 2024: proteinuria at least every 3 months) it is a data gap,
        # whatever the month, so the gap is flagged before month 6.
        if (end - start).days <= ruleset.latest_max_age_days:
            reasons.append("No proteinuria since the start of the line yet.")
            return result(ResponseClass.TOO_EARLY)
        reasons.append(
            f"No proteinuria since the start of the line ({start}), {(end - start).days} days ago."
        )
        return result(ResponseClass.INSUFFICIENT_DATA)
    if (end - latest.day).days > ruleset.latest_max_age_days:
        reasons.append(
            f"Latest proteinuria ({latest.day}) is older than {ruleset.latest_max_age_days} days."
        )
        return result(ResponseClass.INSUFFICIENT_DATA)

    change = (latest.value - baseline.value) / baseline.value if baseline.value > 0 else None
    stable = renal.stable_on(latest.day)
    if stable is None:
        reasons.append("Renal function not assessable (no creatinine or eGFR baseline).")
    level = level_at(baseline, latest, stable, ruleset)
    _early_target_reason(ruleset, baseline, follow_up, start, reasons)
    if level is not ResponseClass.NONE:
        first = latest
        for point in reversed(follow_up):
            if _RANK[level_at(baseline, point, renal.stable_on(point.day), ruleset)] < _RANK[level]:
                break
            first = point
        reasons.append(f"{level.value.capitalize()} response criteria met since {first.day}.")
        return result(level, change=change, stable=stable, when=first.day)
    if months < ruleset.earliest_judgement_months:
        reasons.append(
            f"{wording.months(months)} on this line: too early to judge "
            f"(before month {ruleset.earliest_judgement_months:g})."
        )
        return result(ResponseClass.TOO_EARLY, change=change, stable=stable)
    newer = unreadable_proteinuria_after(facts, latest.day, end)
    if newer:
        unread = newer[-1]
        reasons.append(
            f"Newer proteinuria ({unread.day}, {unread.source_id or 'no id'}) could not be "
            f"read ({unread.reason}): response not judged on older values."
        )
        return result(ResponseClass.INSUFFICIENT_DATA, change=change, stable=stable)
    reasons.append(f"Neither complete nor partial response after {wording.months(months)}.")
    return result(ResponseClass.NONE, change=change, stable=stable)


def _early_target_reason(
    ruleset: Ruleset,
    baseline: LabPoint,
    follow_up: Sequence[LabPoint],
    start: date,
    reasons: list[str],
) -> None:
    """EULAR's early target (>= 25% fall by 3 months): a reason when it was missed."""
    if ruleset.early_target_fall is None or ruleset.early_target_months is None:
        return
    by = start + timedelta(days=ruleset.early_target_months * DAYS_PER_MONTH)
    window = [p for p in follow_up if p.day <= by]
    if not window or baseline.value <= 0:
        return
    fall = (baseline.value - window[-1].value) / baseline.value
    if fall < ruleset.early_target_fall - EPS:
        target = wording.percent(ruleset.early_target_fall)
        reasons.append(
            f"Early target missed: proteinuria fell {wording.percent(max(fall, 0.0))} by month "
            f"{ruleset.early_target_months:g} (target >= {target})."
        )
