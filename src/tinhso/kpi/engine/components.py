"""One function per component of Decision 766 (regulations.md §4.2), each quoting its rule.

A component declares its *counters* — conditions over the dossier facts (kpi/engine/facts.py) that
the one pass over the dossiers counts per agency × procedure × month — and turns the counters of a
scope and period into a `Figure` (numerator, denominator, and a note when something is missing).
The assembler (kpi/engine/assemble.py) then applies the indicator's scoring rule from the registry
(kpi/scoring.py, with the conflicts as settings) and adds the groups up to 100.

Quotes are from the DVCQG document "Mô tả công thức tính chỉ số 766.docx" as the registry holds
them (kpi/data/indicators/766-dvcqg-2025.json). Counters whose name starts with `p_` are read per
procedure ("the procedure has at least one such dossier in the period"); counters built on
`on_open` are kept once per kind of period (the moment an open dossier is judged at, facts.VARIANTS).

A component the platform cannot compute says so in its note and gives no value — never 0 silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy

from tinhso.kpi.engine.facts import Cond, fact
from tinhso.kpi.engine.facts import gettext_cached as _
from tinhso.kpi.models import MeasurementScope

Number = int | Decimal | Fraction


@dataclass(frozen=True)
class Figure:
    numerator: Number | None = None
    denominator: Number | None = None
    ratio: Fraction | None = None  # when the ratio scored is not numerator / denominator (3.3, 1.4)
    note: str = ""
    reported: bool = False  # the points are a reported, approved value (4.x electronic certified copy)
    points: Decimal | None = None


@dataclass(frozen=True)
class Counter:
    name: str
    cond: Cond

    @property
    def per_procedure(self) -> bool:
        return self.name.startswith("p_")


@dataclass(frozen=True)
class Drill:
    """Which dossiers a component counts (its denominator) and which of them score (its numerator),
    as conditions over the facts; `lost` names what the others lack."""

    counted: Cond
    scored: Cond
    lost: str


@dataclass(frozen=True)
class Component:
    code: str
    function: Callable
    counters: tuple[Counter, ...] = ()
    drill: Drill | None = None
    uses: tuple[str, ...] = field(default=())  # other components it reads (computed before it)


COMPONENTS: dict[str, Component] = {}


def component(code: str, *, counters: dict[str, Cond] | None = None, drill: Drill | None = None,
              uses: tuple[str, ...] = ()):
    def register(function):
        COMPONENTS[code] = Component(code, function, tuple(Counter(n, c) for n, c in (counters or {}).items()),
                                     drill, uses)
        return function
    return register


def all_counters() -> list[Counter]:
    """Every counter of every component, once (a name means one condition)."""
    found: dict[str, Counter] = {}
    for comp in COMPONENTS.values():
        for counter in comp.counters:
            if counter.name in found and found[counter.name].cond.sql() != counter.cond.sql():
                raise ValueError(f"counter {counter.name} defined twice differently")
            found[counter.name] = counter
    return list(found.values())


# --- The facts in words ------------------------------------------------------------------------------

ACC = fact("acc")                     # accepted (has NgayTiepNhan)
E_RESULT = ~fact("paper") | fact("eres")  # an e-result where the procedure's result is a paper document
PROVINCE_ONLY = gettext_lazy("Chỉ tiêu chỉ thống kê cho cấp tỉnh.")
NOT_BY_PROCEDURE = gettext_lazy("Chỉ tiêu không thống kê theo thủ tục hành chính.")


def _pct(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.2f}%".replace(".", ",")


# --- 1. Transparency (công khai, minh bạch), 18 points -----------------------------------------------


@component("766.1.1")
def published_on_time(x) -> Figure:
    """1.1 TTHC công bố đúng hạn. "Tổng số TTHC công bố đúng hạn là tổng số TTHC thỏa mãn: Kể từ
    thời điểm công bố QĐCB đặc thù, Ngày quyết định của QĐCB <= "Ngày hiệu lực" mới nhất của văn bản
    cơ sở pháp lý của TTHC - 5 ngày làm việc." The catalogue keeps neither the publishing decision's
    date nor the effective dates of the legal bases: no data, said so."""
    return Figure(note=_("Danh mục thủ tục chưa lưu ngày quyết định công bố (QĐCB) và ngày hiệu lực của văn bản "
                         "căn cứ pháp lý nên chưa tính được."))


@component("766.1.2")
def public_on_time(x) -> Figure:
    """1.2 TTHC được cập nhật, công khai đúng hạn. "Ngày click Công khai của TTHC … <= 5 ngày làm việc
    so với "Ngày quyết định" của QĐ Công bố … Chỉ thống kê theo cấp Tỉnh, Bộ Ngành." The dates are
    those of the national TTHC database, which the platform does not receive: no data."""
    return Figure(note=_("Chưa có ngày công khai thủ tục trên Cơ sở dữ liệu quốc gia về TTHC và ngày quyết định "
                         "công bố nên chưa tính được."))


@component("766.1.3")
def public_content_full(x) -> Figure:
    """1.3 TTHC công khai đầy đủ bộ phận tạo thành. "Số TTHC có đầy đủ thông tin về các bộ phận tạo
    thành theo quy định tại khoản 2 Điều 8 Nghị định số 63/2010/NĐ-CP … /Tổng số thủ tục hành chính
    đã được cập nhật, công khai … Chỉ tiêu không tính theo thời gian (tính đến thời điểm hiện tại)",
    and not for units below the province: computed from the catalogue as it is now."""
    if x.level != MeasurementScope.PROVINCE:
        return Figure(note=_("Chỉ tiêu chỉ thống kê cho cấp tỉnh."))
    public = x.applied
    return Figure(len(public & x.catalogue.complete), len(public),
                  note=_("Tính theo danh mục thủ tục hiện hành, không theo kỳ."))


@component("766.1.4", counters={"acc": ACC, "nat": ACC & fact("nat")},
           drill=Drill(counted=ACC, scored=ACC & (fact("nat") | fact("sent")),
                       lost=gettext_lazy("Chưa đồng bộ lên Cổng Dịch vụ công quốc gia")))
def dossiers_synced(x) -> Figure:
    """1.4 Hồ sơ đồng bộ lên Cổng DVCQG. "Tỷ lệ hồ sơ đã đồng bộ = Số lượng hồ sơ đã đồng bộ có
    "Ngày tiếp nhận" trong kỳ báo cáo/ Tổng số hồ sơ được tính toán trong kỳ … (Hồ sơ đã đồng bộ -
    tính cả đồng bộ 1 chiều, bao gồm cả 1 chiều từ DVC đến BNĐP)". Synced: received from the national
    portal, or a full sync message delivered (outbox `sent_at`). "Nếu … mẫu số =0 … Mẫu số (kỳ báo cáo
    tháng) = Tổng số lượng hồ sơ … năm trước liền kề / 12 tháng; (quý) / 4; (năm) … Nếu năm trước liền
    kề không có số liệu, tỷ lệ hồ sơ đồng bộ = 0." """
    received = x.count("acc")
    synced = x.count("nat") + x.count("sent")
    if received:
        return Figure(synced, received)
    last_year = x.previous_year_accepted()
    if not last_year:
        return Figure(synced, 0, ratio=Fraction(0),
                      note=_("Không có hồ sơ trong kỳ và năm trước liền kề: tỷ lệ đồng bộ = 0 theo quy tắc."))
    share = {"month": Fraction(1, 12), "quarter": Fraction(1, 4), "year": Fraction(1)}.get(
        x.period.kind.value, Fraction(len(x.period.months()), 12))
    denominator = Fraction(last_year) * share
    return Figure(synced, Decimal(denominator.numerator) / Decimal(denominator.denominator),
                  ratio=min(Fraction(1), Fraction(synced) / denominator),
                  note=_("Không có hồ sơ trong kỳ: mẫu số lấy từ %(n)s hồ sơ của năm trước liền kề.") % {"n": last_year})


# --- 2. Progress and results (tiến độ, kết quả giải quyết), 20 points --------------------------------

ON_TIME = fact("on_fixed") | fact("on_open")


@component("766.2.1", counters={"judged": fact("judged"), "on_fixed": fact("on_fixed"), "on_open": fact("on_open")},
           drill=Drill(counted=fact("judged"), scored=ON_TIME, lost=gettext_lazy("Quá hạn")))
def processed_on_time(x) -> Figure:
    """2.1 Hồ sơ xử lý trước hạn, đúng hạn. "Tỷ lệ hồ sơ xử lý đúng hạn= Số lượng hồ sơ đã và đang xử
    lý đúng hạn hoặc trong hạn trong kỳ/ Tổng số hồ sơ được tiếp nhận, xử lý trong kỳ … được tính đúng
    hạn, trong hạn khi: Thời gian kết thúc xử lý (trường NgayKetThucXuLy) <= Ngày hẹn trả (trường
    NgayHenTra)." The dossiers of a period are those whose processing started in it ("Thời gian bắt
    đầu xử lý: Ngày tiếp nhận hồ sơ", the date item 3.6 also counts by); the rule itself, sentence by
    sentence, is in facts.JUDGED, FIXED, fixed_on_time_q and open_on_time_q."""
    return Figure(x.count("on_fixed") + x.count("on_open"), x.count("judged"))


DONE = fact("done")


@component("766.2.2", counters={"done": DONE}, drill=Drill(counted=DONE, scored=DONE, lost=""))
def average_time(x) -> Figure:
    """2.2 Thời gian giải quyết TTHC trung bình. "Tổng thời gian giải quyết của các hồ sơ TTHC/Tổng số
    hồ sơ TTHC … Thuộc trạng thái: Đã xử lý xong, Đã trả kết quả, Có Thời gian bắt đầu xử lý trong kỳ
    … (Tổng thời gian được tính tương tự chỉ tiêu 2a). Loại thời gian trung bình tính theo Giờ, Ngày,
    Ngày làm việc, tháng tính theo thời gian tối đa giải quyết TTHC (trường DonViTinh)." In days, or
    in hours for a procedure whose time limit is in hours; working days are not converted (calendar
    days, said in the note)."""
    done = x.count("done")
    seconds = Decimal(x.count("dur"))
    unit = x.catalogue.units.get(x.procedure_id) if x.procedure_id else None
    if unit == "hour":
        return Figure((seconds / 3600).quantize(Decimal("0.0001")), done, note=_("Đơn vị: giờ."))
    return Figure((seconds / 86400).quantize(Decimal("0.0001")), done, note=_("Đơn vị: ngày (theo lịch)."))


# --- 3. Online services (cung cấp dịch vụ trực tuyến), 12 + 10 points --------------------------------


@component("766.3.1")
def procedures_online(x) -> Figure:
    """3.1 TTHC cung cấp DVCTT. "Số TTHC có DVCTT một phần, DVCTT toàn trình /Tổng số TTHC thuộc thẩm
    quyền giải quyết của tỉnh (bao gồm tỉnh, xã) … Xã, phường: … TTHC có đơn vị áp dụng DVCTT là xã đó
    … Đạt từ 80% trở lên sẽ đạt điểm tối đa." From the catalogue as it is now: the procedures the
    scope's agencies are competent for."""
    applied = x.applied
    return Figure(len(applied & x.catalogue.online), len(applied))


@component("766.3.2", counters={"p_online": fact("online")})
def online_services_used(x) -> Figure:
    """3.2 DVCTT có phát sinh hồ sơ. "Tử: số dvc có hồ sơ tiếp nhận trực tuyến của tthc. Mẫu: số dvc
    của tthc. Tính theo đơn vị áp dụng DVC (đơn vị xử lý) … Xét các hồ sơ đồng bộ có "Ngày tiếp nhận"
    trong kỳ báo cáo. Nếu không có "Ngày tiếp nhận" lấy theo "Ngày nộp hồ sơ"."""
    services = x.applied & x.catalogue.online
    return Figure(len(services & x.procedures_with("p_online")), len(services))


ONLINE_E = ACC & fact("online") & E_RESULT


@component("766.3.3", counters={"acc": ACC, "online_e": ONLINE_E, "online": ACC & fact("online"),
                                "postal": ACC & fact("postal")},
           drill=Drill(counted=ACC, scored=ONLINE_E,
                       lost=gettext_lazy("Không nộp trực tuyến, hoặc chưa có kết quả điện tử")),
           uses=("766.1.4",))
def online_share(x) -> Figure:
    """3.3 Hồ sơ theo hình thức nộp. "Tỷ lệ hồ sơ nộp trực tuyến: Tổng số hồ sơ tiếp nhận trực tuyến
    có Ngày tiếp nhận trong kỳ (1)/ Tổng số hồ sơ tiếp nhận trong kỳ * Tỷ lệ đồng bộ hồ sơ * 100% …
    (1) NgayTiepNhan trong kỳ, KenhThucHien = 2 (Trực tuyến), và (2) cấp kết quả giải quyết điện tử đối
    với TTHC yêu cầu trả kết quả bằng văn bản giấy tờ … Trường hợp TTHC không yêu cầu trả kết quả bằng
    văn bản giấy tờ thì khi có kênh thực hiện trực tuyến "2" thì được tính hồ sơ trực tuyến. … Đạt từ
    50% trở lên sẽ đạt điểm tối đa." The sync ratio is item 1.4's."""
    received, online = x.count("acc"), x.count("online_e")
    if not received:
        return Figure(online, received)
    synced = x.figure("766.1.4")
    sync_ratio = synced.ratio if synced.ratio is not None else (
        Fraction(synced.numerator) / Fraction(synced.denominator) if synced.denominator else None)
    share = Fraction(online, received)
    postal = x.count("postal")
    note = _("Trực tuyến %(online)s × tỷ lệ đồng bộ %(sync)s; trực tiếp %(direct)s hồ sơ, bưu chính %(postal)s "
             "hồ sơ.") % {"online": _pct(share), "sync": _pct(sync_ratio),
                          "direct": received - x.count("online") - postal, "postal": postal}
    return Figure(online, received, ratio=share * (sync_ratio if sync_ratio is not None else 0), note=note)


@component("766.3.5", counters={"p_fee": fact("fee")})
def fees_integrated(x) -> Figure:
    """3.5 TTHC có nghĩa vụ tài chính được tích hợp thanh toán trực tuyến. "X: Tổng số TTHC có hồ sơ
    có đồng bộ dữ liệu phí, lệ phí trên Cổng (Phí, lệ phí khác 0, null) / Y: Tổng số TTHC có thông tin
    phí lệ phí trong CSDL thủ tục hành chính (Phí, lệ phí khác 0, null) … Tính X theo kỳ báo cáo. Xét
    hồ sơ có "Ngày tiếp nhận" trong kỳ, nếu không có ngày tiếp nhận thì lấy theo "Ngày nộp hồ sơ". Y
    luôn lấy theo giá trị hiện tại trong CSDL TTHC." """
    with_fees = x.applied & x.catalogue.fee
    return Figure(len(with_fees & x.procedures_with("p_fee")), len(with_fees))


@component("766.3.5b", counters={"p_paid": fact("paid")})
def fees_paid_online(x) -> Figure:
    """3.5b TTHC có giao dịch thanh toán trực tuyến thành công (totalDossierOnlineFormalityPaymentSuccess
    / totalFeeFormality, regulations.md §4.2): procedures with fees of which at least one dossier of
    the period was paid online (DuocThanhToanTrucTuyen 1 or 2)."""
    with_fees = x.applied & x.catalogue.fee
    return Figure(len(with_fees & x.procedures_with("p_paid")), len(with_fees))


OWES = ACC & fact("feeproc") & fact("fee")
PAID = OWES & fact("paid")


@component("766.3.6", counters={"owes": OWES, "paid": PAID},
           drill=Drill(counted=OWES, scored=PAID, lost=gettext_lazy("Không thanh toán trực tuyến")))
def dossiers_paid_online(x) -> Figure:
    """3.6 Hồ sơ thanh toán trực tuyến. "số lượng hồ sơ … được thanh toán trực tuyến
    (DuocThanhToanTrucTuyen = 1: Thanh toán trực tuyến trên cổng DVCQG, 2: … qua Cổng thanh toán BNĐP)
    có Ngày bắt đầu xử lý trong kỳ/ (Tổng số hồ sơ của các TTHC … có thông tin phí, lệ phí … – Tổng
    số hồ sơ của các TTHC này nhưng có tất cả các thông tin đồng bộ Danh sachphilephi có "Gia: 0")".
    A dossier whose own fees are all 0 (`fee_total` 0) is the second term."""
    return Figure(x.count("paid"), x.count("owes"))


# --- 4. Digitisation (số hóa hồ sơ), 22 points -------------------------------------------------------

PAPER_DUE = ACC & fact("paper") & ~fact("noresult")
PAPER_E = PAPER_DUE & fact("eres")


@component("766.4.1", counters={"paper_due": PAPER_DUE, "paper_e": PAPER_E},
           drill=Drill(counted=PAPER_DUE, scored=PAPER_E, lost=gettext_lazy("Chưa có tệp kết quả điện tử")))
def electronic_results(x) -> Figure:
    """4.1 Hồ sơ có cấp kết quả điện tử. "Tử số = tổng số hồ sơ TTHC đồng bộ kết quả xử lý có link
    file kết quả giải quyết đính kèm và TTHC đó yêu cầu trả kết quả bằng văn bản, giấy tờ. Mẫu số =
    Tổng số hồ sơ TTHC thuộc thẩm quyền giải quyết của các TTHC có yêu cầu trả kết quả bằng văn bản,
    giấy tờ." A dossier refused, stopped or withdrawn has no result to issue and is not counted
    (docs/decisions.md)."""
    return Figure(x.count("paper_e"), x.count("paper_due"))


DIGITISED = ACC & fact("digit") & E_RESULT


@component("766.4.2", counters={"acc": ACC, "digitised": DIGITISED},
           drill=Drill(counted=ACC, scored=DIGITISED,
                       lost=gettext_lazy("Không có thành phần số hóa, hoặc chưa có kết quả điện tử")))
def digitised(x) -> Figure:
    """4.2 Hồ sơ thực hiện số hóa. "[Tổng số hồ sơ thủ tục hành chính : (1) thực hiện quy trình số hóa
    hồ sơ, kết quả giải quyết TTHC (bao gồm hồ sơ số hóa trong tiếp nhận trực tiếp, qua bưu chính và hồ
    sơ trực tuyến) và (2) cấp kết quả giải quyết điện tử đối với TTHC yêu cầu trả kết quả bằng văn bản
    giấy tờ /Tổng số hồ sơ TTHC thuộc thẩm quyền giải quyết] * 100%." (1) is a digitised component
    (`has_digitised_components`)."""
    return Figure(x.count("digitised"), x.count("acc"))


REUSED = ACC & fact("reused")


@component("766.4.3", counters={"acc": ACC, "reused": REUSED},
           drill=Drill(counted=ACC, scored=REUSED, lost=gettext_lazy("Không tái sử dụng dữ liệu số hóa")))
def reused_data(x) -> Figure:
    """4.3 Hồ sơ khai thác, sử dụng lại dữ liệu số hóa. "Tổng số hồ sơ TTHC có ngày tiếp nhận trong kỳ
    của đơn vị có ít nhất 1 thành phần hồ sơ được đánh dấu tái sử dụng dữ liệu số hóa … Nếu không có
    ngày tiếp nhận thì không tính hồ sơ. Tổng số hồ sơ TTHC thuộc thẩm quyền giải quyết = Tổng số hồ sơ
    có Ngày tiếp nhận trong kỳ." """
    return Figure(x.count("reused"), x.count("acc"))


STORE = ACC & (fact("store") | (fact("eres") & fact("appl")))


@component("766.4.4", counters={"acc": ACC, "store": STORE},
           drill=Drill(counted=ACC, scored=STORE, lost=gettext_lazy("Không kết nối kho dữ liệu của người dân")))
def citizen_store(x) -> Figure:
    """4.4 Hồ sơ số hóa kết nối kho dữ liệu cá nhân trên Cổng DVCQG. "tổng số hồ sơ đồng bộ có ít nhất 1
    file đính kèm trong thành phần hồ sơ được đánh dấu lấy từ kho dữ liệu cá nhân hoặc đồng bộ links kết
    quả giải quyết điện tử lên danh mục … Tổng số hồ sơ có ngày tiếp nhận trong kỳ báo cáo". An
    e-result of a dossier filed from an account is in that account's store (dossiers.citizen_store)."""
    return Figure(x.count("store"), x.count("acc"))


PEOPLE_DATA = fact("vneid") | fact("store")


@component("766.4.5a", counters={"p_people": PEOPLE_DATA})
def people_data_procedures(x) -> Figure:
    """4.5a TTHC kết nối, chia sẻ dữ liệu dân cư. "Số TTHC có hồ sơ đồng bộ có
    "taikhoanduocxacthucvoiVNeID" hoặc "DuoclaytukhoDMQG", "MaCSDL" của CSDL Dân cư / Tổng số TTHC có
    đối tượng thực hiện là người dân" ("Công dân Việt Nam" hoặc "Người Việt Nam định cư ở nước ngoài"
    hoặc "Người nước ngoài")."""
    for_people = x.applied & x.catalogue.people
    return Figure(len(for_people & x.procedures_with("p_people")), len(for_people))


PEOPLE_DOSSIER = ACC & PEOPLE_DATA


@component("766.4.5b", counters={"acc": ACC, "people": PEOPLE_DOSSIER},
           drill=Drill(counted=ACC, scored=PEOPLE_DOSSIER, lost=gettext_lazy("Không dùng dữ liệu dân cư")))
def people_data_dossiers(x) -> Figure:
    """4.5b Hồ sơ sử dụng dữ liệu dân cư. "Tổng số hồ sơ đồng bộ có "taikhoanduocxacthucvoiVNeID" hoặc
    "DuoclaytukhoDMQG", "MaCSDL" của CSDL Dân cư/Tổng số hồ sơ TTHC * 100%"."""
    return Figure(x.count("people"), x.count("acc"))


@component("766.4.ecc")
def electronic_certified_copy(x) -> Figure:
    """4.x Dịch vụ chứng thực bản sao điện tử: a row of the portal's METRICS table (2 points) with no
    formula in the document. Its points are a reported value, entered with evidence and approved,
    for a province or a commune."""
    if x.level not in (MeasurementScope.PROVINCE, MeasurementScope.DISTRICT, MeasurementScope.COMMUNE):
        return Figure(reported=True, note=_("Giá trị báo cáo theo đơn vị hành chính, không theo cơ quan hay thủ tục."))
    points = x.reported()
    if points is None:
        return Figure(reported=True, note=_("Giá trị báo cáo chưa được nhập và phê duyệt cho kỳ này."))
    return Figure(reported=True, points=points, note=_("Theo số liệu báo cáo đã phê duyệt."))


# --- 5. Satisfaction (mức độ hài lòng), 18 points ----------------------------------------------------


@component("766.5.1")
def petitions_classified(x) -> Figure:
    """5.1 Phản ánh, kiến nghị theo phân loại (0 points, tracking). "Số phản ánh kiến nghị đã được tiếp
    nhận được phân loại theo Quy định, chính sách, thủ tục hoặc Hành vi của cán bộ công chức/ Tổng số
    PAKN trong kỳ theo đơn vị thống kê"."""
    if x.procedure_id:
        return Figure(note=_("Chỉ tiêu không thống kê theo thủ tục hành chính."))
    fb = x.feedback
    return Figure(fb.about_rules + fb.about_staff, fb.received)


@component("766.5.2")
def petitions_on_time(x) -> Figure:
    """5.2 Tiến độ xử lý PAKN. "PAKN bị từ chối đúng hạn: … Ngày từ chối <= Ngày gửi PAKN+ 2 ngày làm
    việc … PAKN xử lý đúng hạn: … <= Ngày CD/DN gửi PAKN + 15 ngày làm việc … Tổng số PAKN được tiếp
    nhận, xử lý trong kỳ" — counted by dossiers.feedback.feedback_counts_by_agency, per period (a
    PAKN received in one month and answered in the next is in both). 6 points when there is none."""
    if x.procedure_id:
        return Figure(note=_("Chỉ tiêu không thống kê theo thủ tục hành chính."))
    fb = x.feedback
    return Figure(fb.on_time, fb.due)


@component("766.5.3")
def petitions_satisfied(x) -> Figure:
    """5.3 Hài lòng trong xử lý PAKN. "(Tổng số PAKN – Số bị phản hồi trạng thái không hài lòng hoặc
    tiếp tục có phản ánh, kiến nghị về kết quả giải quyết hoặc quá hạn)/Tổng số phản ánh, kiến nghị …
    Tổng số PAKN= Tổng số PAKN có ngày tiếp nhận đầu tiên trong kỳ". 6 points when there is none."""
    if x.procedure_id:
        return Figure(note=_("Chỉ tiêu không thống kê theo thủ tục hành chính."))
    fb = x.feedback
    return Figure(fb.satisfactory, fb.received)


SATISFIED = ACC & ~fact("dissat") & (~fact("judged") | ON_TIME)


@component("766.5.4", counters={"acc": ACC, "ok54_fixed": ACC & ~fact("dissat") & (~fact("judged") | fact("on_fixed")),
                                "ok54_open": ACC & ~fact("dissat") & fact("on_open")},
           drill=Drill(counted=ACC, scored=SATISFIED,
                       lost=gettext_lazy("Quá hạn, bị đánh giá không hài lòng hoặc có phản ánh, kiến nghị")))
def dossiers_satisfied(x) -> Figure:
    """5.4 Hài lòng trong tiếp nhận, giải quyết TTHC. "=100%- (Tỷ lệ hồ sơ giải quyết quá hạn + Tỷ lệ
    hồ sơ TTHC có phản ánh, kiến nghị hoặc đánh giá dislike)." Over the dossiers of item 2.1's period,
    a dossier late (item 2.1) or disliked or complained about is taken away once, so the ratio cannot
    fall below 0 (as 5.3's union, docs/decisions.md). 0 points when there is no dossier."""
    return Figure(x.count("ok54_fixed") + x.count("ok54_open"), x.count("acc"))
