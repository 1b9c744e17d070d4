#!/usr/bin/env python3
"""Writes vectors.json: userSigns made the way Tencent's TLSSigAPIv2 and
IM-WhaleShark's SigAPI make them, computed with Python's own hmac, zlib and
base64 (not with our Go code), so the Go verifier is checked against an
independent implementation of each published algorithm.

Tencent TLSSigAPIv2: JSON {TLS.ver "2.0", TLS.identifier, TLS.sdkappid,
TLS.expire, TLS.time[, TLS.userbuf], TLS.sig}; TLS.sig = base64(HMAC-SHA256(
key, "TLS.identifier:{id}\\nTLS.sdkappid:{app}\\nTLS.time:{t}\\nTLS.expire:{e}\\n"
[+ "TLS.userbuf:{b64}\\n"])); sign = base64(zlib(json)) with + -> *, / -> -,
= -> _. IM-WhaleShark's SigAPI: the same with TLS.appId and TLS.expireTime in
place of TLS.sdkappid and TLS.time (in the JSON and in the signed content).

Run: python3 vectors.py > vectors.json
"""
import base64
import hashlib
import hmac
import json
import zlib


def url(data):
    return base64.b64encode(data).decode().replace('+', '*').replace('/', '-').replace('=', '_')


def mac(key, lines):
    content = ''.join(k + ':' + str(v) + '\n' for k, v in lines)
    return base64.b64encode(hmac.new(key.encode(), content.encode(), hashlib.sha256).digest()).decode()


def tencent(key, app, ident, t, expire, userbuf=None):
    m = {'TLS.ver': '2.0', 'TLS.identifier': ident, 'TLS.sdkappid': app, 'TLS.expire': expire, 'TLS.time': t}
    lines = [('TLS.identifier', ident), ('TLS.sdkappid', app), ('TLS.time', t), ('TLS.expire', expire)]
    if userbuf is not None:
        m['TLS.userbuf'] = base64.b64encode(userbuf).decode()
        lines.append(('TLS.userbuf', m['TLS.userbuf']))
    m['TLS.sig'] = mac(key, lines)
    return url(zlib.compress(json.dumps(m).encode()))


def whaleshark(key, app, ident, t, expire):
    lines = [('TLS.identifier', ident), ('TLS.appId', app), ('TLS.expireTime', t), ('TLS.expire', expire)]
    m = {'TLS.identifier': ident, 'TLS.appId': app, 'TLS.expire': expire, 'TLS.expireTime': t, 'TLS.sig': mac(key, lines)}
    return url(zlib.compress(json.dumps(m, separators=(',', ':')).encode()))


KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e'
T = 1764000000
vectors = [
    {'format': 'tencent', 'name': 'plain', 'secret': KEY, 'appId': 1400000000, 'identifier': 'alice', 'time': T, 'expire': 86400 * 180,
     'sign': tencent(KEY, 1400000000, 'alice', T, 86400 * 180)},
    {'format': 'tencent', 'name': 'userbuf', 'secret': KEY, 'appId': 10000, 'identifier': 'bob', 'time': T, 'expire': 3600,
     'sign': tencent(KEY, 10000, 'bob', T, 3600, b'room-42')},
    {'format': 'tencent', 'name': 'non-ascii identifier (escaped as \\u in the JSON)', 'secret': KEY, 'appId': 10000,
     'identifier': '用户-1', 'time': T, 'expire': 3600, 'sign': tencent(KEY, 10000, '用户-1', T, 3600)},
    {'format': 'whaleshark', 'name': 'SigAPI', 'secret': 'bantanger', 'appId': 10000, 'identifier': 'lld', 'time': T,
     'expire': 86400, 'sign': whaleshark('bantanger', 10000, 'lld', T, 86400)},
]
print(json.dumps(vectors, indent=2, ensure_ascii=False))
