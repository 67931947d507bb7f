"""Wording of the documents the procedure issues: penalty notice (行政处罚告知书), decision
(行政处罚决定书), credit-repair notice, reminder, order to rectify, application for court
enforcement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from labor_runtime.rendering import chinese_date

ORDINALS = "一二三四五六七八九十"


def yuan(amount: Decimal) -> str:
    return f"人民币{amount:.2f}元"


def percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _penalties(fine_amount: Decimal, measures: list[str], stop_production: bool) -> str:
    items = []
    if fine_amount > 0:
        items.append(f"罚款{yuan(fine_amount)}")
    items.extend(m.rstrip("；;。") for m in measures)
    if stop_production and not any("停产停业" in m for m in measures):
        items.append("责令停产停业")
    return "".join(f"（{ORDINALS[i] if i < len(ORDINALS) else i + 1}）{item}；"
                   for i, item in enumerate(items)).rstrip("；") + "。"


def notice_paragraphs(*, violation: str, legal_basis: str, fine_amount: Decimal, measures: list[str],
                      stop_production: bool, notice_period_days: int,
                      hearing_within_days: int) -> list[str]:
    return [
        f"经调查，你单位存在以下违法行为：{violation.rstrip('。')}。",
        f"依据{legal_basis}的规定，本机关拟对你单位作出如下行政处罚："
        + _penalties(fine_amount, measures, stop_production),
        "根据《中华人民共和国行政处罚法》第四十四条、第四十五条、第六十三条、第六十四条的规定，"
        "你单位有权进行陈述和申辩，并有权要求举行听证。你单位如需陈述、申辩或者要求听证，"
        f"应当自收到本告知书之日起{notice_period_days}日内向本机关提出；要求听证的，本机关将在"
        f"{hearing_within_days}日内组织听证。逾期未提出的，视为放弃上述权利。",
    ]


def decision_paragraphs(*, violation: str, legal_basis: str, fine_amount: Decimal, measures: list[str],
                        stop_production: bool, notice_number: str | None, notice_served_on: date | None,
                        payment_due_days: int, daily_rate: Decimal,
                        publication_within_days: int, hearing: str | None = None) -> list[str]:
    paragraphs = [f"经查，你单位存在以下违法行为：{violation.rstrip('。')}。"]
    if notice_number and notice_served_on:
        paragraphs.append(
            f"本机关于{chinese_date(notice_served_on)}向你单位送达了《行政处罚告知书》（{notice_number}），"
            "告知了拟作出行政处罚的事实、理由、依据及你单位依法享有的陈述、申辩和要求听证的权利。")
    if hearing:
        paragraphs.append(hearing)
    paragraphs += [
        f"依据{legal_basis}的规定，本机关决定对你单位作出如下行政处罚："
        + _penalties(fine_amount, measures, stop_production),
        f"罚款应当自收到本决定书之日起{payment_due_days}日内缴纳至指定的财政专户。到期不缴纳罚款的，"
        f"依据《中华人民共和国行政处罚法》第七十二条的规定，每日按罚款数额的{percent(daily_rate)}"
        "加处罚款，加处罚款的数额不得超出罚款的数额；本机关并可依法申请人民法院强制执行。",
        "你单位如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内"
        "依法向人民法院提起行政诉讼。行政复议或者行政诉讼期间，本决定不停止执行。",
        f"本行政处罚决定将自作出之日起{publication_within_days}日内在“信用中国”网站和国家企业信用"
        "信息公示系统公示。",
    ]
    return paragraphs


def credit_repair_notice_paragraphs(*, decision_number: str, min_publicity_years: int,
                                    public_notice_days: int) -> list[str]:
    """The credit-repair notice (信用修复告知书, R-CASE-6) served with the decision: the minimum
    publicity period, and the conditions and flow of a repair (R-CRD-5)."""
    return [
        f"本机关已对你单位作出《行政处罚决定书》（{decision_number}）。该行政处罚信息将在“信用中国”"
        f"网站和国家企业信用信息公示系统公示，最短公示期为{min_publicity_years}年，自公示之日起计算。",
        "你单位同时符合下列条件的，可以申请信用修复：（一）已全额缴纳罚款（含加处罚款）；"
        "（二）已改正违法行为，完成整改；（三）作出书面信用承诺；"
        f"（四）行政处罚信息已公示满{min_publicity_years}年。",
        "信用修复按下列程序办理：你单位向本机关提出申请，经劳动保障监察大队初审、支队复审后，在本局"
        f"网站公示{public_notice_days}日；公示期满无异议的，予以信用修复：停止公示该行政处罚信息，"
        "已列入失信名单的予以移出，相应减轻或者停止惩戒措施，并告知相关部门。",
        "根据国家关于失信行为纠正后信用信息修复的有关规定，特此告知。",
    ]


def hearing_paragraph(*, record_number: str, held_on: date) -> str:
    """R-CASE-5: the hearing's record is a basis of the decision."""
    return (f"应你单位要求，本机关于{chinese_date(held_on)}依法举行了听证，听证笔录（{record_number}）"
            "已作为本决定的依据。")


def reminder_paragraphs(*, decision_number: str, decision_served_on: date, due_on: date,
                        fine_amount: Decimal, surcharge: Decimal, paid: Decimal,
                        outstanding: Decimal, daily_rate: Decimal, compliance_days: int) -> list[str]:
    """The reminder (催告书, R-CASE-7; 《中华人民共和国行政强制法》第三十五条、第五十四条)."""
    return [
        f"本机关于{chinese_date(decision_served_on)}向你单位送达了《行政处罚决定书》（{decision_number}），"
        f"罚款{yuan(fine_amount)}应于{chinese_date(due_on)}前缴纳。截至本催告书作出之日，你单位未"
        "履行缴纳义务。",
        f"依据《中华人民共和国行政处罚法》第七十二条，到期不缴纳罚款的，每日按罚款数额的"
        f"{percent(daily_rate)}加处罚款，加处罚款的数额不得超出罚款的数额。截至本催告书作出之日，"
        f"加处罚款{yuan(surcharge)}，已缴纳{yuan(paid)}，尚欠{yuan(outstanding)}。",
        f"根据《中华人民共和国行政强制法》第三十五条、第五十四条的规定，现催告你单位自收到本催告书之日起"
        f"{compliance_days}日内缴纳上述款项。你单位有权进行陈述和申辩。逾期仍未履行的，本机关将依法"
        "申请人民法院强制执行。",
    ]


def rectification_order_paragraphs(*, facts: str, items: list[str], wages_to_pay: Decimal | None,
                                   due_on: date) -> list[str]:
    """The order to rectify within a time limit (劳动保障监察限期整改指令书;
    《劳动保障监察条例》第十八条、第二十六条)."""
    orders = "".join(f"（{ORDINALS[i] if i < len(ORDINALS) else i + 1}）{item.rstrip('；;。')}；"
                     for i, item in enumerate(items)).rstrip("；") + "。"
    paragraphs = [f"经查，你单位存在以下违反劳动保障法律、法规的行为：{facts or '拖欠劳动者工资报酬'}。",
                  f"根据《劳动保障监察条例》第十八条的规定，现责令你单位于{chinese_date(due_on)}前"
                  f"改正：{orders}"]
    if wages_to_pay is not None:
        paragraphs.append(f"其中应支付劳动者工资报酬{yuan(wages_to_pay)}。")
    paragraphs.append("逾期不改正的，本机关将依法作出行政处罚决定；按期改正的，请将改正情况及支付"
                      "凭证报送本机关。")
    return paragraphs


def court_application_paragraphs(*, decision_number: str, decision_served_on: date, due_on: date,
                                 reminder_number: str, reminder_served_on: date | None,
                                 fine_amount: Decimal, surcharge: Decimal, paid: Decimal,
                                 outstanding: Decimal) -> list[str]:
    """The application for court enforcement (强制执行申请书, R-CASE-7;
    《中华人民共和国行政强制法》第五十三条至第五十五条)."""
    served = (f"于{chinese_date(reminder_served_on)}送达" if reminder_served_on is not None
              else "已依法作出")
    return [
        f"申请事项：请求人民法院强制执行《行政处罚决定书》（{decision_number}）确定的罚款"
        f"{yuan(fine_amount)}及加处罚款{yuan(surcharge)}，扣除已缴纳的{yuan(paid)}，合计"
        f"{yuan(outstanding)}。",
        f"事实与理由：本机关于{chinese_date(decision_served_on)}向被申请人送达了上述行政处罚决定书，"
        f"罚款应于{chinese_date(due_on)}前缴纳。被申请人逾期未缴纳，本机关作出的催告书（{reminder_number}）"
        f"{served}，被申请人在催告期内仍未履行。",
        "根据《中华人民共和国行政强制法》第五十三条、第五十四条、第五十五条的规定，特向贵院申请强制执行。"
        "附：行政处罚决定书及送达回证、催告书及送达回证、缴款记录。",
    ]
