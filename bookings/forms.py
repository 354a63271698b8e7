"""The manager's booking forms (Flask-WTF: CSRF, messages in the page's language)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional, ValidationError

from bookings import messages as msg
from bookings.checkin import parse_queue_rule
from bookings.slots import parse_breaks, parse_overrides, parse_time
from queue_service.web.forms import WholeNumberField


def _parsed(parser, message):
    def check(form, field):
        try:
            parser(field.data or "")
        except ValueError:
            raise ValidationError(str(message)) from None
    return check


def _time_or_empty(form, field):
    if (field.data or "").strip():
        try:
            parse_time(field.data)
        except ValueError:
            raise ValidationError(str(_l("Tulis jam seperti 08:00."))) from None


class ServiceSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Terima booking untuk layanan ini"))
    slot_minutes = WholeNumberField(_l("Lama satu slot (menit)"), validators=[InputRequired(_l("Wajib diisi.")),
                                    NumberRange(5, 480, _l("Isi 5 sampai 480 menit."))])
    capacity = WholeNumberField(_l("Kapasitas per slot (walk-in + booking)"),
                                description=_l("Berapa warga dilayani loket layanan ini dalam satu slot."),
                                validators=[InputRequired(_l("Wajib diisi.")),
                                            NumberRange(0, 10_000, _l("Isi 0 sampai 10000."))])
    walkin_percent = WholeNumberField(_l("Bagian untuk walk-in (%)"),
                                      description=_l("Persen tiap slot yang disimpan untuk warga yang datang langsung."),
                                      validators=[InputRequired(_l("Wajib diisi.")),
                                                  NumberRange(0, 100, _l("Isi 0 sampai 100."))])
    overrides = StringField(_l("Kapasitas khusus per slot"), description=_l("Contoh: 08:00=30, 14:00=8"),
                            validators=[Length(max=500),
                                        _parsed(parse_overrides, _l("Tulis seperti 08:00=30, 14:00=8."))])
    bookable_from = StringField(_l("Booking mulai jam"), description=_l("Kosong = jam buka kantor"),
                                validators=[_time_or_empty])
    bookable_until = StringField(_l("Booking sampai jam"), description=_l("Kosong = jam tutup kantor"),
                                 validators=[_time_or_empty])
    breaks = StringField(_l("Istirahat (tanpa slot)"), description=_l("Contoh: 12:00-13:00; 5 11:30-13:00 (5 = Jumat)"),
                         validators=[Length(max=200),
                                     _parsed(parse_breaks, _l("Tulis seperti 12:00-13:00; 5 11:30-13:00."))])
    daily_cap = WholeNumberField(_l("Batas booking per hari"), description=_l("Kosong = tanpa batas selain slot"),
                                 validators=[Optional(), NumberRange(0, 10_000, _l("Isi 0 sampai 10000."))])
    min_days_ahead = WholeNumberField(_l("Booking paling lambat (hari sebelumnya)"),
                                      validators=[InputRequired(_l("Wajib diisi.")),
                                                  NumberRange(0, 180, _l("Isi 0 sampai 180."))])
    max_days_ahead = WholeNumberField(_l("Booking paling jauh (hari ke depan)"),
                                      validators=[InputRequired(_l("Wajib diisi.")),
                                                  NumberRange(0, 180, _l("Isi 0 sampai 180."))])
    cutoff_minutes = WholeNumberField(_l("Booking ditutup (menit sebelum slot)"),
                                      validators=[InputRequired(_l("Wajib diisi.")),
                                                  NumberRange(0, 1440, _l("Isi 0 sampai 1440."))])
    remote_enabled = BooleanField(_l("Terima antrean hari ini dari rumah"))
    remote_daily_cap = WholeNumberField(_l("Batas antrean dari rumah per hari"),
                                        validators=[Optional(), NumberRange(0, 10_000, _l("Isi 0 sampai 10000."))])

    def validate_max_days_ahead(self, field):
        if self.min_days_ahead.data is not None and field.data is not None and field.data < self.min_days_ahead.data:
            raise ValidationError(str(_l("Tidak boleh kurang dari 'paling lambat'.")))

    def validate_bookable_until(self, field):
        if (self.bookable_from.data or "").strip() and (field.data or "").strip():
            try:
                if parse_time(field.data) <= parse_time(self.bookable_from.data):
                    raise ValidationError(str(_l("Harus setelah jam mulai booking.")))
            except ValueError:
                pass


QUEUE_RULES = [("slot", _l("Dilayani pada jam slotnya")), ("arrival", _l("Dilayani sesuai waktu check-in")),
               ("interleave:2", _l("Selang-seling: 1 booking tiap 2 walk-in")),
               ("interleave:3", _l("Selang-seling: 1 booking tiap 3 walk-in")),
               ("interleave:5", _l("Selang-seling: 1 booking tiap 5 walk-in"))]


class OfficeRulesForm(FlaskForm):
    early_minutes = WholeNumberField(_l("Check-in paling awal (menit sebelum slot)"),
                                     validators=[InputRequired(_l("Wajib diisi.")),
                                                 NumberRange(0, 240, _l("Isi 0 sampai 240."))])
    late_minutes = WholeNumberField(_l("Check-in paling lambat (menit setelah mulai slot)"),
                                    validators=[InputRequired(_l("Wajib diisi.")),
                                                NumberRange(0, 240, _l("Isi 0 sampai 240."))])
    late_policy = SelectField(_l("Jika terlambat"), choices=[("walk_in", _l("Beri antrean biasa (walk-in)")),
                                                             ("rebook", _l("Minta membuat booking baru"))])
    queue_rule = SelectField(_l("Urutan booking dalam antrean"), choices=QUEUE_RULES,
                             validators=[_parsed(parse_queue_rule, _l("Aturan urutan tidak dikenal."))])
    near_threshold = WholeNumberField(_l("Kirim 'giliran hampir tiba' saat tersisa (orang)"),
                                      validators=[InputRequired(_l("Wajib diisi.")),
                                                  NumberRange(0, 50, _l("Isi 0 sampai 50."))])
    reminder_days_before = WholeNumberField(_l("Pengingat dikirim (hari sebelumnya)"),
                                            validators=[InputRequired(_l("Wajib diisi.")),
                                                        NumberRange(0, 7, _l("Isi 0 sampai 7."))])
    reminder_time = StringField(_l("Pengingat dikirim pukul"), validators=[InputRequired(_l("Wajib diisi.")),
                                                                           _time_or_empty])
    webhook_url = StringField(_l("Alamat webhook (gateway WhatsApp/SMS kantor)"),
                              validators=[Optional(), Length(max=500),
                                          URL(require_tld=False, message=_l("Tulis alamat http:// atau https://."))])
    new_secret = BooleanField(_l("Buat kunci tanda tangan baru"))


class TextForm(FlaskForm):
    kind = SelectField(_l("Pesan"), choices=[(k, k) for k in msg.KINDS])
    text = TextAreaField(_l("Teks"), validators=[InputRequired(_l("Wajib diisi.")), Length(max=msg.MAX_TEXT)])

    def validate_text(self, field):
        problems = msg.validate_text(self.kind.data, field.data or "")
        if problems:
            raise ValidationError("; ".join(problems))


class CalendarForm(FlaskForm):
    day = DateField(_l("Tanggal"), validators=[InputRequired(_l("Pilih tanggal."))])
    open = SelectField(_l("Jenis"), choices=[("0", _l("Kantor tutup")), ("1", _l("Kantor buka (hari layanan khusus)"))])
    note = StringField(_l("Keterangan untuk warga"), validators=[Length(max=120)])
