"""A certificate's subject as a Vietnamese reader reads it ("Họ tên: …; Cơ quan: …"), from
cryptography's and asn1crypto's names alike."""

# attribute keys of cryptography (OID names), asn1crypto (.native keys) and RFC 4514 short names
LABELS = {
    "commonName": "Họ tên", "common_name": "Họ tên", "CN": "Họ tên",
    "organizationName": "Cơ quan", "organization_name": "Cơ quan", "O": "Cơ quan",
    "organizationalUnitName": "Đơn vị", "organizational_unit_name": "Đơn vị", "OU": "Đơn vị",
    "title": "Chức vụ",
    "localityName": "Địa phương", "locality_name": "Địa phương", "L": "Địa phương",
    "stateOrProvinceName": "Tỉnh, thành phố", "state_or_province_name": "Tỉnh, thành phố",
    "ST": "Tỉnh, thành phố",
    "countryName": "Quốc gia", "country_name": "Quốc gia", "C": "Quốc gia",
    "emailAddress": "Thư điện tử", "email_address": "Thư điện tử",
    "serialNumber": "Số định danh", "serial_number": "Số định danh",
}  # fmt: skip


def subject_vi(pairs) -> str:
    """[(attribute key, value)] -> "Họ tên: Nguyễn Văn Ký; Cơ quan: UBND phường Sông Cầu"."""
    return "; ".join(f"{LABELS.get(key, key)}: {value}" for key, value in pairs)


def cryptography_subject(name) -> str:
    return subject_vi((attribute.oid._name, attribute.value) for attribute in name)


def asn1crypto_subject(name) -> str:
    return subject_vi(name.native.items())
