#!/bin/sh
# Runs on ap2: prints hostapd's config — the same network as ap1 (an ESS: same SSID, same
# WPA2 passphrase, same LAN) on channel 6, five channels from ap1's: no overlap.
set -eu
cat <<CONF
interface=wlan0
bridge=br0
driver=nl80211
ctrl_interface=/run/hostapd
ssid=$LAB_SSID
hw_mode=g
channel=6
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=$LAB_PASSPHRASE
CONF
