"""https-ways' certificate checks on certificates built here: the student's CA must be theirs,
self-signed and a CA; the site's certificate issued by it, not a CA, valid their days, with
its own key — and each fault is named in the check's one line."""

from __future__ import annotations

import datetime as dt
import statistics
from types import SimpleNamespace

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from netdojo.labs.catalog import find_lab
from netdojo.labs.checks import load_checks
from netdojo.labs.pem import Pem
from netdojo.labs.values import values_for

NOW = dt.datetime.now(dt.UTC)


def _checks():
    lab = find_lab("https-ways")
    return load_checks(lab.dir / "checks.py", lab.id).module


def _cert(cn: str, key, issuer_cn: str, issuer_key, ca: bool, days: int = 3650):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    return b.sign(issuer_key, hashes.SHA256())


def _ctx(ca_pem: Pem, site: Pem, key: Pem, ca_no=4321, days=90):
    files = {"ca.pem": ca_pem, "site.pem": site, "site.key": key}
    return SimpleNamespace(params={"ca_no": ca_no, "days": days},
                           submission={k: SimpleNamespace(data=v) for k, v in files.items()})


def _good():
    ca_key, site_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = _cert("netdojo root CA 4321", ca_key, "netdojo root CA 4321", ca_key, True)
    leaf = _cert("web", site_key, "netdojo root CA 4321", ca_key, False, days=90)
    return ca_key, site_key, root, leaf


def test_the_solutions_kind_of_certificates_pass_both_checks():
    mod, (_, site_key, root, leaf) = _checks(), _good()
    ctx = _ctx(Pem([root]), Pem([leaf, root]), Pem(key=site_key))
    assert mod.ca(ctx).fraction == 1.0
    assert mod.site_cert(ctx).fraction == 1.0


def test_a_classmates_ca_or_one_with_its_key_in_is_not_yours():
    mod, (ca_key, site_key, root, leaf) = _checks(), _good()
    other = _ctx(Pem([root]), Pem([leaf]), Pem(key=site_key), ca_no=1234)
    assert mod.ca(other).fraction == 0.0 and "not 'netdojo root CA 1234'" in mod.ca(other).message
    leaky = _ctx(Pem([root], key=ca_key), Pem([leaf]), Pem(key=site_key))
    assert mod.ca(leaky).fraction == 0.0 and "private key" in mod.ca(leaky).message
    not_ca = _cert("netdojo root CA 4321", ca_key, "netdojo root CA 4321", ca_key, False)
    assert "CA:TRUE" in mod.ca(_ctx(Pem([not_ca]), Pem([leaf]), Pem(key=site_key))).message


def test_the_site_certificate_must_be_your_cas_for_your_days_with_its_key():
    mod, (ca_key, site_key, root, leaf) = _checks(), _good()
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = _cert("web", site_key, "netdojo root CA 4321", stranger, False, days=90)
    cases = {
        "not signed by your CA": _ctx(Pem([root]), Pem([forged]), Pem(key=site_key)),
        "valid 120.0 days, not 90": _ctx(Pem([root]), Pem([_cert(
            "web", site_key, "netdojo root CA 4321", ca_key, False, days=120)]), Pem(key=site_key)),
        "not the key of site.pem": _ctx(Pem([root]), Pem([leaf]), Pem(key=stranger)),
        "a CA itself": _ctx(Pem([root]), Pem([_cert(
            "web", site_key, "netdojo root CA 4321", ca_key, True, days=90)]), Pem(key=site_key)),
    }
    for words, ctx in cases.items():
        out = mod.site_cert(ctx)
        assert out.fraction == 0.0 and words in out.message, (words, out.message)


def test_the_class_median_of_first_byte_times_is_few_students_answer():
    """Over the lab's own model of a first byte (TCP, TLS 1.3 and the request: 3 RTT across the
    WAN on the server and the load balancer; 3 to the edge on a hit, and 1 more across the WAN on
    a miss), the class's median sheet lies within every band of at most one student in twenty
    (the rule is one in ten: the margin is for a class of 20 drawn at random)."""
    mod, lab = _checks(), find_lab("https-ways")

    def model(v: dict) -> dict[str, float]:
        r, e = 2 * v["delay"] + 0.2, 2 * v["edge_delay"] + 0.2
        return {"server": 3 * r + 2, "lb": 3 * r + 3, "edge_hit": 3 * e + 1,
                "edge_miss": 3 * e + r + 1}

    sheets = [model(values_for(lab, f"s{i:03d}")) for i in range(300)]
    median = {w: statistics.median(s[w] for s in sheets) for w in mod.WAYS}
    wins = sum(all(abs(median[w] - s[w]) <= mod.FB_BAND[0] * s[w] + mod.FB_BAND[1]
                   for w in mod.WAYS) for s in sheets)
    assert wins / len(sheets) <= 0.05, wins
