"""The IKM questionnaire of PermenPANRB 14/2017 (Survei Kepuasan Masyarakat): pure data, no Flask.

The nine *unsur* in the order of the regulation's body (Bab II, "ruang lingkup"):

====  =========================================  ======================================
code  unsur                                      English
====  =========================================  ======================================
U1    Persyaratan                                Requirements
U2    Sistem, Mekanisme, dan Prosedur            System, mechanism and procedure
U3    Waktu Penyelesaian                         Completion time
U4    Biaya/Tarif                                Cost/fee
U5    Produk Spesifikasi Jenis Pelayanan         Service product as specified
U6    Kompetensi Pelaksana                       Staff competence
U7    Perilaku Pelaksana                         Staff conduct
U8    Penanganan Pengaduan, Saran dan Masukan    Handling of complaints and suggestions
U9    Sarana dan Prasarana                       Facilities
====  =========================================  ======================================

Each is answered 1–4 with the regulation's sample questionnaire (Lampiran) wording for the question and for
each score. Note: the *sample questionnaire* asks about facilities as question 8 and complaint handling as
question 9; the codes here follow the unsur list (U8 = complaint handling), which is what reports and the
complaints feature refer to. The form shows the questions in code order.

The wording is the standardised instrument, so it lives here in both languages rather than in the
translation catalogue (a catalogue edit must not silently change a regulated question). ``hint`` is a short
plain-language example under the question, for elderly citizens on small phones.

The optional respondent profile follows the sample form (jenis kelamin, usia, pendidikan, pekerjaan) with
one deliberate change: the age is asked as a band, not as an exact number of years, so that no exact age is
stored next to a visit's day and service (reports group ages in bands anyway).
"""
from __future__ import annotations

from dataclasses import dataclass

SCORES: tuple[int, ...] = (1, 2, 3, 4)


@dataclass(frozen=True)
class Unsur:
    code: str
    number: int
    name_id: str
    name_en: str
    question_id: str
    question_en: str
    #: answer labels for scores 1, 2, 3, 4
    answers_id: tuple[str, str, str, str]
    answers_en: tuple[str, str, str, str]
    hint_id: str = ""
    hint_en: str = ""

    def name(self, locale: str = "id") -> str:
        return self.name_en if locale == "en" else self.name_id

    def question(self, locale: str = "id") -> str:
        return self.question_en if locale == "en" else self.question_id

    def hint(self, locale: str = "id") -> str:
        return self.hint_en if locale == "en" else self.hint_id

    def answer(self, score: int, locale: str = "id") -> str:
        if score not in SCORES:
            raise ValueError(f"score must be 1–4, not {score!r}")
        labels = self.answers_en if locale == "en" else self.answers_id
        return labels[score - 1]


UNSUR: tuple[Unsur, ...] = (
    Unsur("U1", 1, "Persyaratan", "Requirements",
          "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
          "How well did the requirements (documents, conditions) fit the service you received?",
          ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
          ("Not suitable", "Less suitable", "Suitable", "Very suitable"),
          "Contoh: berkas yang diminta sesuai dengan yang diumumkan.",
          "For example: the papers asked for were the ones announced."),
    Unsur("U2", 2, "Sistem, Mekanisme, dan Prosedur", "System, mechanism and procedure",
          "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
          "How easy was the service procedure at this office?",
          ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
          ("Not easy", "Less easy", "Easy", "Very easy"),
          "Contoh: alur dari ambil nomor antrean sampai selesai.",
          "For example: the steps from taking a queue number to the end."),
    Unsur("U3", 3, "Waktu Penyelesaian", "Completion time",
          "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
          "How fast was the service?",
          ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
          ("Not fast", "Less fast", "Fast", "Very fast"),
          "Contoh: lama menunggu dan lama dilayani.",
          "For example: how long you waited and how long the service took."),
    Unsur("U4", 4, "Biaya/Tarif", "Cost/fee",
          "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
          "How fair was the cost or fee of the service?",
          ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
          ("Very expensive", "Fairly expensive", "Cheap", "Free"),
          "Layanan adminduk tidak dipungut biaya. Pilih \u201cGratis\u201d bila Anda tidak membayar apa pun.",
          "Civil registration services are free of charge. Choose \u201cFree\u201d if you paid nothing."),
    Unsur("U5", 5, "Produk Spesifikasi Jenis Pelayanan", "Service product as specified",
          "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam "
          "standar pelayanan dengan hasil yang diberikan?",
          "How well did what you received match what the service standard promises?",
          ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
          ("Not suitable", "Less suitable", "Suitable", "Very suitable"),
          "Contoh: dokumen yang Anda terima benar dan lengkap.",
          "For example: the document you received is correct and complete."),
    Unsur("U6", 6, "Kompetensi Pelaksana", "Staff competence",
          "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
          "How competent were the staff who served you?",
          ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
          ("Not competent", "Less competent", "Competent", "Very competent"),
          "Contoh: petugas paham dan bisa menjelaskan.",
          "For example: the staff knew the rules and could explain them."),
    Unsur("U7", 7, "Perilaku Pelaksana", "Staff conduct",
          "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan "
          "keramahan?",
          "How polite and friendly were the staff?",
          ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"),
          ("Not polite and friendly", "Less polite and friendly", "Polite and friendly",
           "Very polite and friendly"),
          "", ""),
    Unsur("U8", 8, "Penanganan Pengaduan, Saran, dan Masukan", "Handling of complaints and suggestions",
          "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
          "How are complaints from service users handled here?",
          ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
          ("There is none", "There is one but it does not work", "It works, but not fully",
           "It is well managed"),
          "Contoh: ada tempat atau cara menyampaikan keluhan, dan keluhan dijawab.",
          "For example: there is a way to complain, and complaints are answered."),
    Unsur("U9", 9, "Sarana dan Prasarana", "Facilities",
          "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
          "How good are the facilities?",
          ("Buruk", "Cukup", "Baik", "Sangat baik"),
          ("Poor", "Fair", "Good", "Very good"),
          "Contoh: ruang tunggu, kursi, toilet, tempat parkir, akses kursi roda.",
          "For example: waiting room, seats, toilets, parking, wheelchair access."),
)

UNSUR_CODES: tuple[str, ...] = tuple(u.code for u in UNSUR)
BY_CODE: dict[str, Unsur] = {u.code: u for u in UNSUR}
#: the unsur complaint handling is reported under
COMPLAINTS_UNSUR = "U8"


@dataclass(frozen=True)
class Choice:
    value: str
    label_id: str
    label_en: str

    def label(self, locale: str = "id") -> str:
        return self.label_en if locale == "en" else self.label_id


@dataclass(frozen=True)
class ProfileField:
    key: str
    label_id: str
    label_en: str
    choices: tuple[Choice, ...]

    def label(self, locale: str = "id") -> str:
        return self.label_en if locale == "en" else self.label_id

    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def choice(self, value: str) -> Choice:
        for c in self.choices:
            if c.value == value:
                return c
        raise KeyError(value)


PROFILE: tuple[ProfileField, ...] = (
    ProfileField("gender", "Jenis kelamin", "Sex", (
        Choice("L", "Laki-laki", "Male"),
        Choice("P", "Perempuan", "Female"),
    )),
    ProfileField("age", "Usia", "Age", (
        Choice("<20", "Di bawah 20 tahun", "Under 20"),
        Choice("20-29", "20–29 tahun", "20–29"),
        Choice("30-39", "30–39 tahun", "30–39"),
        Choice("40-49", "40–49 tahun", "40–49"),
        Choice("50-59", "50–59 tahun", "50–59"),
        Choice("60+", "60 tahun ke atas", "60 or older"),
    )),
    ProfileField("education", "Pendidikan terakhir", "Education", (
        Choice("SD", "SD atau di bawahnya", "Primary school or less"),
        Choice("SMP", "SMP atau sederajat", "Junior high school"),
        Choice("SMA", "SMA/SMK atau sederajat", "Senior high school"),
        Choice("S1", "Diploma atau S1", "Diploma or bachelor's degree"),
        Choice("S2", "S2", "Master's degree"),
        Choice("S3", "S3", "Doctorate"),
    )),
    ProfileField("occupation", "Pekerjaan", "Occupation", (
        Choice("PNS", "PNS", "Civil servant"),
        Choice("TNI", "TNI", "Armed forces"),
        Choice("POLRI", "POLRI", "Police"),
        Choice("SWASTA", "Pegawai swasta", "Private employee"),
        Choice("WIRAUSAHA", "Wirausaha", "Self-employed"),
        Choice("LAINNYA", "Lainnya", "Other"),
    )),
)
PROFILE_KEYS: tuple[str, ...] = tuple(f.key for f in PROFILE)
PROFILE_BY_KEY: dict[str, ProfileField] = {f.key: f for f in PROFILE}
