"""OCHP 1.4 SOAP plumbing (spec/sources.md §6): WS-Security request envelopes and response reading.

Responses are read namespace-agnostically by local name; a member may come as a child element, as
an attribute, or wrapped in a type element (`<status><ChargePointStatusType>…`), and `value()`
hides the difference.
"""

from __future__ import annotations

from lxml import etree

from ocpdb_pipelines.sources.base import PayloadError

SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/'
OCHP = 'http://ochp.eu/1.4'
WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'
WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd'
PASSWORD_TEXT = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-username-token-profile-1.0#PasswordText'

ACTION_CHARGE_POINT_LIST = 'http://ochp.eu/1.4/GetChargePointList'
ACTION_STATUS = 'http://ochp.e-clearing.net/service/GetStatus'

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)


def envelope(user: str, password: str, operation: str, start_date_time: str | None = None) -> bytes:
    """A SOAP 1.1 envelope with a UsernameToken header and an (almost) empty request element."""
    nsmap = {'soapenv': SOAPENV, 'ns': OCHP, 'wsse': WSSE, 'wsu': WSU}
    root = etree.Element(f'{{{SOAPENV}}}Envelope', nsmap=nsmap)
    header = etree.SubElement(root, f'{{{SOAPENV}}}Header')
    security = etree.SubElement(header, f'{{{WSSE}}}Security')
    security.set(f'{{{SOAPENV}}}mustUnderstand', '1')
    token = etree.SubElement(security, f'{{{WSSE}}}UsernameToken')
    token.set(f'{{{WSU}}}Id', 'UsernameToken-1')
    etree.SubElement(token, f'{{{WSSE}}}Username').text = user
    password_element = etree.SubElement(token, f'{{{WSSE}}}Password')
    password_element.set('Type', PASSWORD_TEXT)
    password_element.text = password
    body = etree.SubElement(root, f'{{{SOAPENV}}}Body')
    request = etree.SubElement(body, f'{{{OCHP}}}{operation}')
    if start_date_time:
        start = etree.SubElement(request, f'{{{OCHP}}}startDateTime')
        etree.SubElement(start, f'{{{OCHP}}}DateTime').text = start_date_time
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8')


def response_element(body: bytes, name: str) -> etree._Element:
    """The `<name>` element inside the SOAP body; a fault, broken XML or a missing element -> PayloadError."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise PayloadError(f'OCHP answer is not XML: {exc}') from exc
    if local(root) != 'Envelope':
        raise PayloadError(f'OCHP answer is no SOAP envelope but <{local(root)}>')
    soap_body = child(root, 'Body')
    if soap_body is None:
        raise PayloadError('OCHP answer has no SOAP Body')
    fault = child(soap_body, 'Fault')
    if fault is not None:
        raise PayloadError(f'OCHP SOAP fault: {value(fault, "faultstring") or etree.tostring(fault)[:300]!r}')
    element = child(soap_body, name)
    if element is None:
        raise PayloadError(f'OCHP answer has no {name}')
    return element


def local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ''


def child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    for item in element:
        if local(item) == name:
            return item
    return None


def children(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [item for item in element if local(item) == name]


def element_value(element: etree._Element | None) -> str | None:
    """The text of an element, or of its single type-wrapper child (`<status><X>Operative</X>`)."""
    if element is None:
        return None
    text = (element.text or '').strip()
    if text:
        return text
    wrapped = [item for item in element if isinstance(item.tag, str)]
    if len(wrapped) == 1:
        return element_value(wrapped[0])
    return None


def value(element: etree._Element | None, name: str) -> str | None:
    """Member `name` of an element: an attribute, or a child element (type wrappers unwrapped)."""
    if element is None:
        return None
    for key, attribute in element.attrib.items():
        if etree.QName(key).localname == name:
            return attribute.strip() or None
    return element_value(child(element, name))
