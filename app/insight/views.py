"""EnterpriseRates → the API's shapes."""

from app.insight.rates import KnowCan, Rate
from app.insight.schemas import (
    CompetitionHeldOut,
    DepartmentRatesOut,
    DimensionsOut,
    ExpiringOut,
    HardLineOut,
    LackOut,
    PersonRef,
    PostRatesOut,
    PostRef,
    RateOut,
    RatesOut,
)
from app.insight.service import CompetitionsHeld, EnterpriseRates


def rate_out(rate: Rate) -> RateOut:
    value = rate.value
    return RateOut(
        rate=None if value is None else round(value, 4), numerator=rate.numerator, denominator=rate.denominator
    )


def know_can_fields(rates: KnowCan) -> dict[str, RateOut]:
    return {
        "know_rate": rate_out(rates.know),
        "can_rate": rate_out(rates.can),
        "know_and_can_rate": rate_out(rates.know_and_can),
    }


def rates_out(report: EnterpriseRates, held: CompetitionsHeld) -> RatesOut:
    return RatesOut(
        competitions_this_year=held.held_this_year,
        competitions=[
            CompetitionHeldOut(
                id=c.competition_id,
                title=c.title,
                scope=c.scope,
                mode=c.mode,
                finished_at=c.finished_at.isoformat(),
                participation_rate=rate_out(c.participation),
                average_score=c.average_score,
                this_year=c.this_year,
            )
            for c in held.records
        ],
        enterprise_id=report.enterprise_id,
        enterprise_name=report.enterprise_name,
        department_id=report.department_id,
        validity_days=report.validity_days,
        compile_rate=rate_out(report.compile),
        **know_can_fields(report.rates),
        by_department=[
            DepartmentRatesOut(department_id=d.department_id, name=d.name, **know_can_fields(d.rates))
            for d in report.by_department
        ],
        by_post=[
            PostRatesOut(
                post_id=p.post_id,
                code=p.code,
                name=p.name,
                compiled=p.compiled,
                compile_gaps=p.compile_gaps,
                predicted_recall=p.predicted_recall,
                **know_can_fields(p.rates),
            )
            for p in report.by_post
        ],
        by_dimension=DimensionsOut(**{d: rate_out(r) for d, r in report.by_dimension.items()}),
        missing=[
            LackOut(
                person=PersonRef(id=m.person_id, name=m.person_name, department=m.department),
                post=PostRef(id=m.post_id, name=m.post_name),
                lacks=list(m.lacks),
                fixes=m.fixes,
            )
            for m in report.missing
        ],
        expiring=[
            ExpiringOut(
                person=PersonRef(id=e.person_id, name=e.person_name, department=e.department),
                post=PostRef(id=e.post_id, name=e.post_name),
                what=e.what,
                valid_until=e.valid_until.isoformat(),
            )
            for e in report.expiring
        ],
        hardest=[
            HardLineOut(
                post=PostRef(id=h.post_id, name=h.post_name),
                line=h.line,
                label=h.label,
                quote=h.quote,
                answered=h.answered,
                wrong=h.wrong,
            )
            for h in report.hardest
        ],
    )
