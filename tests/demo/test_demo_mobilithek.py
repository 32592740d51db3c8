"""The demo's Mobilithek stand-in is a real mutual-TLS receiver: the project's push client (its own
certificate, the stand-in's CA) gets through and is counted; a client without a certificate does not."""

from __future__ import annotations

import ssl

import httpx
import pytest

from ocpdb_pipelines.cli.demo_mobilithek import serve_mobilithek
from ocpdb_pipelines.exports.datex2.push import MobilithekClient


def test_the_push_client_gets_through_with_its_certificate_and_nobody_without(settings, tmp_path):
    with serve_mobilithek(tmp_path / 'tls') as receiver:
        if receiver is None:
            pytest.skip('openssl not installed')
        configured = settings.with_values(
            mobilithek={
                'url': receiver.url,
                'key_dir': str(receiver.key_dir),
                'certificate_filename': receiver.certificate_filename,
                'key_filename': receiver.key_filename,
                'ca_file': str(receiver.ca_file),
            }
        )
        body = tmp_path / 'message.json'
        body.write_bytes(b'{"payload": []}')
        with MobilithekClient(configured, retries=0) as client:
            assert client.post('demo-realtime', body) == 200
        context = ssl.create_default_context(cafile=str(receiver.ca_file))
        with pytest.raises(httpx.HTTPError):  # the handshake needs a certificate of the stand-in's CA
            httpx.post(f'{receiver.url}/publication/demo-realtime', content=b'{}', verify=context, timeout=10)
        assert receiver.received == {'demo-realtime': 1}
        assert receiver.bytes_received == {'demo-realtime': len(body.read_bytes())}
