"""The proportions of the synthetic province, each with where it comes from.

"Source:" names a public figure the value follows; "Assumption:" is our choice where no figure
was found, picked to look like a provincial one-stop system in 2025–2026. A pair (a, b) moves
linearly from a in the first month of the period to b in the last. docs/modules/synthetic.md
lists them in a table; the tests check the generated data against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Ramp = tuple[float, float]


def ramp(pair: Ramp, frac: float) -> float:
    return pair[0] + (pair[1] - pair[0]) * frac


#: Relative volumes of the demo catalogue's procedures (by national code). Assumption: a commune
#: desk's register is dominated by certification and civil status; land, business and
#: department-level procedures are fewer. Procedures not listed weigh DEFAULT_WEIGHT.
PROCEDURE_WEIGHTS = {
    "2.000815": 8.0,   # chứng thực bản sao
    "2.000884": 3.0,    # chứng thực chữ ký
    "2.001035": 1.5,    # chứng thực hợp đồng
    "1.001193": 9.0,    # khai sinh
    "1.000894": 3.0,    # kết hôn
    "1.000656": 2.5,    # khai tử
    "1.004884": 6.0,    # bản sao trích lục hộ tịch
    "1.004873": 5.0,    # xác nhận tình trạng hôn nhân
    "1.004859": 1.0,    # thay đổi, cải chính hộ tịch
    "1.001022": 0.3,    # nhận cha, mẹ, con
    "1.004837": 0.2,    # giám hộ
    "1.001776": 2.0,    # trợ cấp xã hội hằng tháng
    "1.001758": 0.6,    # hỗ trợ mai táng
    "1.012758": 3.0,    # đăng ký đất đai lần đầu
    "1.012765": 5.0,    # đăng ký biến động đất đai (liên thông xã – sở)
    "1.009994": 1.5,    # giấy phép xây dựng nhà ở
    "2.000720": 2.0,    # đăng ký hộ kinh doanh
    "2.000488": 3.0,    # lý lịch tư pháp
    "2.002042": 1.0,    # thành lập công ty TNHH
    "1.000105": 0.3,    # giấy phép lao động
    "1.001613": 0.5,    # an toàn thực phẩm
}
DEFAULT_WEIGHT = 1.0


@dataclass(frozen=True)
class Mix:
    # --- volume and channels ---------------------------------------------------------------
    #: Share of dossiers of procedures offered online that are filed online (KenhThucHien 2).
    #: Source: 12.1 of the 14.5 million dossiers received by the 34 provinces from 1/7 to
    #: 28/10/2025 were online (vietnamplus.vn, 08/11/2025); a province a little under that at the
    #: start, reaching the plans' 80 % target.
    online_share: Ramp = (0.70, 0.85)
    #: Of online dossiers, those filed on the National Public Service Portal rather than the
    #: province's own portal. Assumption, after mission.md: the national portal is the citizen's
    #: front door since 1 July 2025.
    national_portal_share: Ramp = (0.80, 0.90)
    #: Of dossiers not filed online, those sent by post (KenhThucHien 3). Assumption.
    postal_share: float = 0.03
    #: Month-on-month growth of the volume. Assumption.
    monthly_growth: float = 0.01
    #: Online filing on a weekend or public holiday, relative to a working day. Assumption.
    online_weekend_factor: float = 0.4
    #: Counter dossiers received at a commune other than the competent one (reception regardless
    #: of administrative boundary, Decree 118/2025 Art. 14). Assumption.
    cross_commune_reception: float = 0.03
    #: Department-level dossiers received at a commune rather than the provincial centre. Assumption.
    province_dossier_at_commune: float = 0.15

    # --- reception -------------------------------------------------------------------------
    #: Online dossiers refused at reception (Mẫu 03) / withdrawn before acceptance. Assumption.
    online_refused_at_reception: float = 0.02
    online_withdrawn_before_acceptance: float = 0.01
    counter_refused_at_reception: float = 0.003
    #: Office time an officer takes to accept an online dossier: mean hours; share over the
    #: 8-hour allowance of the reception step. Assumption.
    acceptance_mean_hours: float = 2.5
    acceptance_late_share: float = 0.08

    # --- processing ------------------------------------------------------------------------
    #: Accepted dossiers that get one supplement request / two (2+ ⇒ late by rule 4). Assumption.
    one_supplement: float = 0.06
    two_supplements: float = 0.008
    #: Days the applicant takes to supplement: 1 + exponential with this mean. Assumption.
    supplement_mean_days: float = 4.0
    #: Accepted dossiers refused in processing / stopped / withdrawn after acceptance. Assumption.
    refused_in_processing: float = 0.01
    stopped: float = 0.002
    withdrawn_after_acceptance: float = 0.004
    #: Dossiers extended with an apology (Mẫu 04), and of those the share then on time. Assumption.
    extended: float = 0.02
    extended_then_on_time: float = 0.75
    #: Share of late dossiers. Source: provinces' Decision 766 progress scores (dichvucong.gov.vn)
    #: are mostly 18–20 of 20 points, i.e. 90–100 % on time; each agency gets a factor around
    #: this (log-normal, `agency_late_spread`) so that the ranking has a tail.
    late: float = 0.04
    agency_late_spread: float = 0.7
    #: Dossiers that stall (hồ sơ tồn đọng): 2–6 times their time limit and up to 40 working days
    #: more, so that those received in the last months are still open and overdue at the end.
    #: Assumption.
    stuck: float = 0.015
    #: Dossiers that go through the workflow's financial-obligation step (yêu cầu thực hiện nghĩa
    #: vụ tài chính), in the fields where the result depends on a tax or levy being paid (land).
    #: Other fees are paid with the dossier. Assumption.
    financial_step: float = 0.6
    financial_fields: tuple[str, ...] = ("DD",)
    #: Processed dossiers whose result is not collected by the end of the period (Gia Lai's
    #: "Chưa nhận", regulations.md §4.2), and the working days until collection otherwise.
    uncollected: float = 0.03
    collection_days: int = 5

    # --- digitisation, results, data reuse --------------------------------------------------
    #: Counter and postal dossiers scanned at intake (the rest are scanned by the specialist
    #: before the document gate). Assumption.
    scanned_at_intake: Ramp = (0.80, 0.97)
    #: E-results issued for procedures that have an electronic result. Assumption.
    e_result: Ramp = (0.60, 0.92)
    #: Online dossiers with a component taken from the citizen's store or an earlier e-result.
    #: Source: "tỷ lệ tái sử dụng dữ liệu ... còn thấp" (vietnamnet.vn, 07/11/2025); rising.
    online_reuse: Ramp = (0.15, 0.35)
    #: Counter dossiers where the officer reuses an earlier e-result. Assumption.
    counter_reuse: Ramp = (0.05, 0.15)
    #: Optional components attached. Assumption.
    optional_component: float = 0.3
    #: VNeID-authenticated accounts: national portal (VNeID login), province portal. Assumption.
    vneid_national: float = 0.95
    vneid_portal: Ramp = (0.50, 0.80)

    # --- fees ------------------------------------------------------------------------------
    #: Of online dossiers with fees, those paid online: on the national portal
    #: (DuocThanhToanTrucTuyen 1), through the province's gateway (2). Assumption.
    paid_online_national: Ramp = (0.50, 0.75)
    paid_online_portal: Ramp = (0.70, 0.90)
    #: Gateway payments that fail or expire once before being paid. Assumption.
    payment_retry: float = 0.05

    # --- satisfaction ----------------------------------------------------------------------
    #: Ratable dossiers that get a rating: counter device, province portal, national portal.
    #: Assumption.
    rated_counter: float = 0.35
    rated_portal: float = 0.30
    rated_national: float = 0.15
    #: Satisfied among on-time / late dossiers. Source for the level: the plans' ≥ 90 %
    #: satisfaction target (mission.md) and 766 satisfaction scores near full.
    satisfied_on_time: float = 0.97
    satisfied_late: float = 0.70
    rating_changed: float = 0.01
    #: PAKN (phản ánh, kiến nghị) about a dossier, by applicants with a portal account: late
    #: dossiers / others; general PAKN (about rules) per 1,000 dossiers. Assumption.
    feedback_late: float = 0.30
    feedback_other: float = 0.03
    feedback_general_per_1000: float = 5.0
    #: Handling: refused (not taken up), answered after the 15-working-day limit, otherwise
    #: answered in time; published with the answer; sender reacts; satisfied when reacting;
    #: a repeated PAKN on the same dossier; general PAKN transferred by the province. Assumption.
    feedback_refused: float = 0.04
    feedback_overdue: float = 0.08
    feedback_published: float = 0.7
    feedback_reacted: float = 0.6
    feedback_satisfied: float = 0.8
    feedback_repeated: float = 0.05
    feedback_transferred: float = 0.3

    #: Citizens with an account on the province's portal: one per this many portal dossiers
    #: (at least 10, at most `accounts_max`, so that memory stays flat). Assumption.
    dossiers_per_account: int = 4
    accounts_max: int = 50_000

    procedure_weights: dict[str, float] = field(default_factory=lambda: dict(PROCEDURE_WEIGHTS))
