"""The stock forms of the manager pages (receipt, transfer, stock count, spoilage, expected delivery), each
carrying a one-time number so that a form sent twice is stored once."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory.ledger import MAX_QUANTITY
from queue_service.web.forms import OnceForm, WholeNumberField

REQUIRED = _l("Wajib diisi.")


#: messages the use cases return as ``msgid`` (translated when shown next to a field); listed
#: here so that the catalog extraction sees them
SERVICE_MESSAGES = (
    _l("Isi dengan bilangan bulat."), _l("Jumlah harus lebih dari 0."), _l("Jumlah paling banyak %(max)s."),
    _l("Isian tidak valid."), _l("Paling banyak %(max)s karakter."), _l("Jenis mutasi tidak dikenal."),
    _l("Kiriman yang ditunggu tidak ditemukan untuk barang ini."), _l("Kiriman itu sudah tidak ditunggu lagi."),
    _l("Tiket tidak ditemukan di kantor ini."), _l("Isi hasil hitung fisik dengan bilangan bulat 0 atau lebih."),
    _l("Kantor tujuan tidak ditemukan."), _l("Pilih kantor lain sebagai tujuan."), _l("Kantor asal tidak ditemukan."),
    _l("Isi tanggal yang valid."), _l("Tanggal perkiraan tiba tidak boleh di masa lalu."),
    _l("Tuliskan alasan kartu rusak."), _l("Peringatan ini sudah %(status)s."),
    _l("Tidak boleh berisi karakter kontrol (baris baru, tab, ESC dan sejenisnya)."),
    _l("Dokumen %(document)s sudah dicatat pada %(day)s (%(quantity)s diterima); tidak dicatat dua kali."),
    _l("Stok kantor %(source)s hanya bisa dipindahkan oleh kantor %(source)s sendiri (transfer keluar ke "
       "%(target)s); transfer itu langsung tercatat di kantor ini. Tidak ada yang dicatat."),
)


# --------------------------------------------------------------------------- forms


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Isi tanggal dengan format TTTT-BB-HH.")) from None


def _positive():
    return [InputRequired(REQUIRED), NumberRange(min=1, max=MAX_QUANTITY,
                                                 message=_l("Isi bilangan bulat 1 atau lebih."))]


class ReceiptForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    quantity = WholeNumberField(_l("Jumlah diterima"), validators=_positive(),
                                description=_l("Dalam satuan buku stok (lembar; pita dan film: kartu)."))
    source = StringField(_l("Asal kiriman"), validators=[DataRequired(REQUIRED), Length(max=120)],
                         description=_l("Contoh: Ditjen Dukcapil, Dinas Dukcapil Provinsi."))
    document_no = StringField(_l("Nomor dokumen (BAST)"), validators=[Length(max=60)])
    document_date = DayField(_l("Tanggal dokumen"), validators=[Optional()])
    delivery_id = SelectField(_l("Kiriman yang ditunggu"), coerce=int, default=0,
                              description=_l("Pilih bila penerimaan ini adalah kiriman yang sudah dicatat."))


class TransferForm(OnceForm, FlaskForm):
    direction = RadioField(_l("Arah"), choices=[("out", _l("Keluar ke kantor lain")),
                                                ("in", _l("Masuk dari kantor lain (pinjaman)"))], default="out")
    item = SelectField(_l("Barang"))
    other_office = SelectField(_l("Kantor lain"))
    quantity = WholeNumberField(_l("Jumlah"), validators=_positive())
    reason = StringField(_l("Keterangan"), validators=[Length(max=200)])


class CountForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    counted = WholeNumberField(_l("Hasil hitung fisik"), validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=MAX_QUANTITY, message=_l("Isi bilangan bulat 0 atau lebih."))])
    reason = StringField(_l("Alasan / berita acara"), validators=[DataRequired(REQUIRED), Length(max=200)])


class SpoilageForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    quantity = WholeNumberField(_l("Jumlah rusak"), validators=_positive())
    reason = StringField(_l("Alasan rusak"), validators=[DataRequired(REQUIRED), Length(max=200)])


class DeliveryForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    quantity = WholeNumberField(_l("Jumlah"), validators=_positive())
    expected_date = DayField(_l("Perkiraan tiba"), validators=[InputRequired(REQUIRED)])
    source = StringField(_l("Asal kiriman"), validators=[Length(max=120)])
    note = StringField(_l("Catatan"), validators=[Length(max=200)])


FORMS = {
    "receipt": (ReceiptForm, _l("Catat penerimaan")),
    "transfer": (TransferForm, _l("Catat transfer antar kantor")),
    "count": (CountForm, _l("Catat stok opname")),
    "spoilage": (SpoilageForm, _l("Catat kartu rusak")),
    "delivery": (DeliveryForm, _l("Catat kiriman yang ditunggu")),
}
