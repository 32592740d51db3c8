"""DATEX II 3.7 XML, derived from the 3.7 JSON mapping with the XSD as the guide.

The JSON encoding of DATEX II is mechanical, so it converts back: `idG`/`versionG` and other members
that the XSD declares as attributes become attributes; a member named `<prefix><Class>` (for example
`facOrganisationSpecification`) picks the concrete type (`xsi:type="fac:OrganisationSpecification"`);
`<prefix><Class>ExtensionG` is the `_<class>Extension` element; `{"value": ...}` is simple content.
Children are emitted in the order of the XSD content model. Sites are streamed one by one.

Only static 3.7 has an XSD here (the shared 3.7 schema set has no status publication).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import xmlschema
from lxml import etree

from ocpdb_pipelines.exports.datex2.document import Kind, payload
from ocpdb_pipelines.exports.datex2.validate import schema_root, xsd_37

NS = {
    'd2': 'http://datex2.eu/schema/3/d2Payload',
    'com': 'http://datex2.eu/schema/3/common',
    'comx': 'http://datex2.eu/schema/3/commonExtension',
    'loc': 'http://datex2.eu/schema/3/locationReferencing',
    'locx': 'http://datex2.eu/schema/3/locationExtension',
    'fac': 'http://datex2.eu/schema/3/facilities',
    'egi': 'http://datex2.eu/schema/3/energyInfrastructure',
    'xsi': 'http://www.w3.org/2001/XMLSchema-instance',
}
XSI_TYPE = f'{{{NS["xsi"]}}}type'
_WRAPPER = re.compile(r'^(comx|com|locx|loc|fac|egi)([A-Z]\w*)$')
# JSON members without an XML counterpart: the version travels in the namespace
_DROPPED = frozenset({'versionG'})


class XmlMappingError(ValueError):
    """A JSON member has no place in the XSD type it is written into."""


def _qname(prefix: str, name: str) -> str:
    return f'{{{NS[prefix]}}}{name}'


def _prefixed(qname: str) -> str:
    namespace, local = qname[1:].split('}')
    prefix = next(p for p, uri in NS.items() if uri == namespace)
    return f'{prefix}:{local}'


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


class Encoder:
    def __init__(self, schema: xmlschema.XMLSchema):
        self.schema = schema

    def type(self, prefix: str, name: str) -> Any:
        return self.schema.maps.types[_qname(prefix, name)]

    def element(self, tag: str, data: Any, xsd_type: Any) -> etree._Element:
        """A standalone element (declaring the DATEX namespaces once) with its content."""
        el = etree.Element(tag, nsmap=NS)
        self.fill(el, data, xsd_type)
        return el

    def fill(self, el: etree._Element, data: Any, xsd_type: Any) -> None:
        if not isinstance(data, dict):
            el.text = _text(data)
            return
        data = dict(data)
        for key in [k for k in data if _WRAPPER.match(k) and not k.endswith('ExtensionG')]:
            prefix, name = _WRAPPER.match(key).groups()
            inner = data.pop(key)
            xsd_type = self.type(prefix, name)
            el.set(XSI_TYPE, f'{prefix}:{name}')
            data = {**data, **inner}
        attributes = xsd_type.attributes
        if xsd_type.has_simple_content():
            for key, value in data.items():
                if key == 'value':
                    el.text = _text(value)
                else:
                    el.set(self._attribute(key, attributes), _text(value))
            return
        children: dict[str, tuple[str, Any]] = {}
        for key, value in data.items():
            attribute = self._attribute(key, attributes, strict=False)
            if attribute:
                el.set(attribute, _text(value))
                continue
            if key in _DROPPED:
                continue
            children[self._child_name(key)] = (key, value)
        for xsd_element in xsd_type.content.iter_elements():
            local = xsd_element.local_name
            if local not in children:
                continue
            _, value = children.pop(local)
            if local == 'values' and xsd_element.type.name is None:
                # multilingual strings: the JSON list is the <values> wrapper's <value> children
                self._wrapped(el, xsd_element, value)
                continue
            for item in value if isinstance(value, list) else [value]:
                self.fill(etree.SubElement(el, xsd_element.name), item, xsd_element.type)
        if children:
            raise XmlMappingError(f'{", ".join(k for k, _ in children.values())} not allowed in {xsd_type.name}')

    def _wrapped(self, parent: etree._Element, xsd_element: Any, items: list[Any]) -> None:
        container = etree.SubElement(parent, xsd_element.name)
        inner = next(iter(xsd_element.type.content.iter_elements()))
        for item in items:
            self.fill(etree.SubElement(container, inner.name), item, inner.type)

    @staticmethod
    def _attribute(key: str, attributes: Any, strict: bool = True) -> str | None:
        for name in (
            key,
            key[:-1] if key.endswith('G') else None,
            '_extendedValue' if key == 'extendedValueG' else None,
        ):
            if name and name in attributes:
                return name
        if strict:
            raise XmlMappingError(f'attribute {key} not declared')
        return None

    @staticmethod
    def _child_name(key: str) -> str:
        extension = re.match(r'^(?:comx|com|locx|loc|fac|egi)([A-Z]\w*)ExtensionG$', key)
        if extension:
            name = extension.group(1)
            return f'_{name[0].lower()}{name[1:]}Extension'
        return key[0].lower() + key[1:]


def write_xml(
    out: BinaryIO, version: str, kind: Kind, sites: Iterable[dict[str, Any]], schemas: Path | None = None
) -> int:
    """Stream a 3.7 static payload as XML, guided by the XSD under `schemas` (default: `validate.schema_root()`);
    return the number of sites."""
    if version != '3.7' or kind != Kind.STATIC:
        raise ValueError('XML is available for DATEX II 3.7 static only')
    root = schemas or schema_root()
    if root is None:
        raise FileNotFoundError('the DATEX II 3.7 XSD was not found: set exports.datex2_schema_dir')
    encoder = Encoder(xsd_37(root))
    doc = payload(version, kind, [])
    publication = doc['egiEnergyInfrastructureTablePublication']
    payload_type = encoder.type('egi', 'EnergyInfrastructureTablePublication')
    site_type = encoder.type('egi', 'EnergyInfrastructureSite')
    attributes = {
        XSI_TYPE: 'egi:EnergyInfrastructureTablePublication',
        'lang': publication['lang'],
        'modelBaseVersion': doc['modelBaseVersionG'],
        'profileName': doc['profileNameG'],
        'profileVersion': doc['profileVersionG'],
    }
    head = etree.Element('head', nsmap=NS)
    encoder.fill(
        head,
        {'publicationTime': publication['publicationTime'], 'publicationCreator': publication['publicationCreator']},
        payload_type,
    )
    table = publication['energyInfrastructureTable'][0]
    count = 0
    with etree.xmlfile(out, encoding='utf-8') as xf:
        xf.write_declaration()
        with xf.element(_qname('d2', 'payload'), attributes, nsmap=NS):
            for child in head:
                xf.write(child)
            with xf.element(
                _qname('egi', 'energyInfrastructureTable'), {'id': table['idG'], 'version': table['versionG']}
            ):
                for site in sites:
                    xf.write(encoder.element(_qname('egi', 'energyInfrastructureSite'), site, site_type))
                    count += 1
    return count
