"""Wi-Fi's pure parts, without a kernel: the generic-netlink messages that make and remove
mac80211_hwsim radios, the airtime shaper's tc lines, the readers of `wpa_cli status` and
`iw dev wlan0 info`, and the topology's `wifi:` key with its errors.  The radios themselves run
in the lab VM (tests/integration/test_vm.py)."""

import struct

import pytest

from netdojo.errors import SpecError
from netdojo.net import hwsim
from netdojo.net.wifi import IFB, WLAN, airtime_lines
from netdojo.services.wifi import parse_iw_info, parse_status
from netdojo.topo import parse_topology


def test_an_attribute_is_padded_to_four_bytes():
    a = hwsim.attr(17, b"abc")
    assert a == struct.pack("=HH", 7, 17) + b"abc" + b"\0"
    assert len(hwsim.attr(1, b"")) == 4


def test_new_radio_asks_for_one_channel_a_name_and_no_interface():
    msg = hwsim.new_radio_request(0x22, "nd12ab34.ap1", seq=5)
    length, family, flags, seq, _ = struct.unpack_from("=IHHII", msg)
    assert length == len(msg) and family == 0x22 and seq == 5
    assert flags == hwsim.NLM_F_REQUEST | hwsim.NLM_F_ACK
    cmd, version, _ = struct.unpack_from("=BBH", msg, 16)
    assert cmd == hwsim.CMD_NEW_RADIO and version == 1
    got = hwsim.attrs(msg[16:])
    assert got[hwsim.ATTR_RADIO_NAME] == b"nd12ab34.ap1"
    assert struct.unpack("=I", got[hwsim.ATTR_CHANNELS])[0] == 1
    assert got[hwsim.ATTR_NO_VIF] == b""


def test_messages_split_a_datagram_and_read_an_ack():
    ack = struct.pack("=IHHII", 16 + 4, 2, 0, 1, 0) + struct.pack("=i", -17)
    index = struct.pack("=IHHII", 16 + 4, 2, 0, 2, 0) + struct.pack("=i", 3)
    parts = hwsim.messages(ack + index)
    assert [k for k, _ in parts] == [2, 2]
    assert [hwsim.ack_code(p) for _, p in parts] == [-17, 3]  # -EEXIST; a radio's index
    assert hwsim.messages(b"\0" * 8) == []  # a short read is no message, not a crash


def test_the_family_request_names_mac80211_hwsim():
    msg = hwsim.family_request(seq=1)
    assert struct.unpack_from("=H", msg, 4)[0] == hwsim.GENL_ID_CTRL
    assert b"MAC80211_HWSIM\0" in msg


def test_airtime_is_one_queue_for_both_directions_of_the_radio():
    lines = airtime_lines(2.29)
    flat = [" ".join(a) for a in lines]
    assert any("rate 2290kbit" in f for f in flat)
    # both directions go through the one ifb: the medium is shared, not one queue per way
    filters = [a for a in lines if a[:3] == ["tc", "filter", "add"]]
    assert {a[5] for a in filters} == {"ingress", "egress"}
    assert all(a[4] == WLAN and a[-1] == IFB for a in filters)
    assert any("sfq" in a for a in lines)  # fair turns, or one direction starves the other


def test_wpa_cli_status_and_iw_info_are_read():
    st = parse_status("bssid=02:00:00:00:04:00\nfreq=2412\nssid=dojo-nuri\n"
                      "wpa_state=COMPLETED\nkey_mgmt=WPA2-PSK\nSelected interface 'wlan0'\n")
    assert st["wpa_state"] == "COMPLETED" and st["freq"] == "2412" and "Selected" not in st
    info = parse_iw_info("Interface wlan0\n\tifindex 5\n\taddr 02:00:00:00:04:00\n"
                         "\tssid dojo bada\n\ttype AP\n\twiphy 3\n"
                         "\tchannel 6 (2437 MHz), width: 20 MHz (no HT), center1: 2437 MHz\n")
    assert info == {"addr": "02:00:00:00:04:00", "ssid": "dojo bada", "type": "AP",
                    "channel": "6"}


BASE = """
name: w
nodes:
  lan: {kind: switch, subnet: 10.9.1.0/24}
  ap1: {kind: container, wifi: WIFI}
links:
  - {endpoints: ["ap1:eth0", lan]}
"""


def _topo(wifi: str):
    return parse_topology(BASE.replace("WIFI", wifi), "w.yaml")


def test_a_wifi_node_is_read():
    assert _topo("{role: ap, airtime: 5}").nodes["ap1"].wifi == {"role": "ap", "airtime": 5.0}
    sta = _topo("{role: station, ip: 10.9.1.101/24}").nodes["ap1"].wifi
    assert sta == {"role": "station", "ip": "10.9.1.101/24"}


@pytest.mark.parametrize("wifi,says", [
    ("{role: router}", "needs role: ap or role: station"),
    ("{role: station}", "a station needs its address"),
    ("{role: station, ip: 10.9.1.300/24}", "is not an IPv4 address"),
    ("{role: ap, ip: 10.9.1.5/24}", "takes no address of its own"),
    ("{role: ap, airtime: 0}", "0.1 to 1000 Mbit/s"),
    ("{role: station, ip: 10.9.1.9/24, airtime: 5}", "airtime (on an AP)"),
    ("{role: ap, power: 20}", "power"),
    ("{role: ap, airtime: true}", "0.1 to 1000 Mbit/s"),
])
def test_a_bad_wifi_key_is_one_line_naming_the_file(wifi, says):
    with pytest.raises(SpecError) as e:
        _topo(wifi)
    assert says in str(e.value) and "w.yaml" in str(e.value)
    assert "\n" not in str(e.value)


def test_a_radio_belongs_to_a_container():
    with pytest.raises(SpecError, match="run in containers"):
        parse_topology(BASE.replace("kind: container, wifi: WIFI", "kind: host, wifi: "
                                    "{role: station, ip: 10.9.1.9/24}"), "w.yaml")
