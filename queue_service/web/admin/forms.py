"""The administration forms (Flask-WTF, CSRF): offices, services, counters, users, passwords, API tokens,
devices."""
from __future__ import annotations

from datetime import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from queue_service.web.admin.common import TIMEZONE_CHOICES, WEEKDAYS
from queue_service.web.forms import WholeNumberField, choices

REQUIRED = _l("Wajib diisi.")


class ClockField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Isi jam dengan format JJ:MM, misalnya 08:00.")) from None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        if self.data:
            values = {c[0] for c in self.iter_choices()}
            if any(d not in values for d in self.data):
                raise ValidationError(_("Pilihan tidak tersedia."))


class OfficeForm(FlaskForm):
    code = StringField(_l("Kode kantor"), validators=[DataRequired(REQUIRED), Length(max=16)],
                       description=_l("Contoh: BKS. Dipakai di alamat layar tampilan; tidak bisa diubah nanti."))
    name = StringField(_l("Nama kantor"), validators=[DataRequired(REQUIRED), Length(max=120)])
    timezone = SelectField(_l("Zona waktu"), choices=choices(TIMEZONE_CHOICES))
    opens_at = ClockField(_l("Jam buka"), validators=[InputRequired(REQUIRED)], default=time(8, 0))
    closes_at = ClockField(_l("Jam tutup"), validators=[InputRequired(REQUIRED)], default=time(15, 0))
    open_days = CheckboxesField(_l("Hari buka"), choices=choices(WEEKDAYS), coerce=int, default=[1, 2, 3, 4, 5])
    priority_prefix = StringField(_l("Huruf seri prioritas"), validators=[Optional(), Length(max=2)],
                                  description=_l("Contoh: P (tiket P-007). Kosongkan bila tiket prioritas "
                                                 "memakai huruf layanannya."))
    info_text = TextAreaField(_l("Teks informasi di layar tampilan"), validators=[Length(max=2000)])
    ticket_footer = StringField(_l("Catatan kaki tiket"), validators=[Length(max=200)])


class ServiceForm(FlaskForm):
    code = StringField(_l("Kode layanan"), validators=[DataRequired(REQUIRED), Length(max=32)],
                       description=_l("Contoh: CETAK. Dipakai oleh API."))
    prefix = StringField(_l("Awalan nomor"), validators=[DataRequired(REQUIRED), Length(max=2)],
                         description=_l("1–2 huruf besar, misalnya B untuk B-012."))
    name_id = StringField(_l("Nama (Bahasa Indonesia)"), validators=[DataRequired(REQUIRED), Length(max=120)])
    name_en = StringField(_l("Nama (Bahasa Inggris)"), validators=[Length(max=120)])
    daily_quota = WholeNumberField(_l("Kuota harian"), validators=[Optional()],
                                   description=_l("Kosongkan bila tanpa kuota."))
    priority_policy = StringField(_l("Kebijakan prioritas"), default="strict",
                                  validators=[DataRequired(REQUIRED), Length(max=32)],
                                  description=_l("strict = prioritas dulu; fifo = urut kedatangan; "
                                                 "interleave:N = satu prioritas setelah N tiket biasa."))
    fallback_service_id = SelectField(_l("Layanan cadangan"), coerce=int, default=0,
                                      description=_l("Ditawarkan bila kuota habis, misalnya Suket."))
    sort_order = WholeNumberField(_l("Urutan tampil"), default=0, validators=[Optional()])
    active = BooleanField(_l("Aktif (menerima tiket)"), default=True)


class CounterForm(FlaskForm):
    number = WholeNumberField(_l("Nomor loket"), validators=[InputRequired(REQUIRED)])
    name = StringField(_l("Nama loket"), validators=[Length(max=60)],
                       description=_l("Kosongkan untuk \"Loket <nomor>\"."))
    services = CheckboxesField(_l("Layanan yang dilayani"), coerce=int)
    active = BooleanField(_l("Aktif"), default=True)


class UserForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQUIRED), Length(max=60)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none"})
    full_name = StringField(_l("Nama lengkap"), validators=[Length(max=120)])
    role = SelectField(_l("Peran"))
    offices = CheckboxesField(_l("Kantor"), coerce=int)
    password = PasswordField(_l("Kata sandi"), validators=[Length(max=200)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("Paling sedikit 10 karakter."))
    active = BooleanField(_l("Aktif (boleh masuk)"), default=True)


class PasswordForm(FlaskForm):
    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(REQUIRED), Length(max=200)],
                                 render_kw={"autocomplete": "new-password"},
                                 description=_l("Paling sedikit 10 karakter."))
    confirm = PasswordField(_l("Ulangi kata sandi baru"),
                            validators=[DataRequired(REQUIRED),
                                        EqualTo("new_password", _l("Kedua kata sandi tidak sama."))],
                            render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField(_l("Nama token"), validators=[DataRequired(REQUIRED), Length(max=60)],
                       description=_l("Untuk apa token ini, misalnya \"tombol panggil loket 3\"."))


class DeviceForm(FlaskForm):
    kind = RadioField(_l("Jenis perangkat"), choices=choices([("kiosk", _l("Kios tiket")),
                                                              ("display", _l("Layar tampilan (TV)"))]),
                      default="kiosk")
    name = StringField(_l("Nama perangkat"), validators=[DataRequired(REQUIRED), Length(max=60)],
                       description=_l("Contoh: Kios Lobi, TV Ruang Tunggu."))
    printer_uri = StringField(_l("Alamat printer (kios)"), validators=[Length(max=200)],
                              description=_l("Contoh: tcp://192.168.1.50:9100, usb://0x0416:0x5011, "
                                             "cups://Printer_Tiket, agent:// (dicetak oleh agen cetak di PC kios) "
                                             "atau dummy://. Kosongkan bila tanpa printer."))
    printer_profile = StringField(_l("Profil printer (kios)"), validators=[Length(max=40)],
                                  description=_l("Contoh: TM-T20II, POS-5890, ZJ-5870."))
    filter_services = CheckboxesField(_l("Layanan yang ditampilkan (layar)"),
                                      description=_l("Tidak dicentang sama sekali = semua layanan."))
    filter_counters = CheckboxesField(_l("Loket yang ditampilkan (layar)"), coerce=int,
                                      description=_l("Tidak dicentang sama sekali = semua loket."))
