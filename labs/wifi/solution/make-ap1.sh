#!/bin/sh
# Runs on ap1: prints hostapd's config — a WPA2 access point for the student's SSID on channel
# 1, its radio bridged onto the wired LAN (br0 holds ap1's cable).
set -eu
cat <<CONF
interface=wlan0
bridge=br0
driver=nl80211
ctrl_interface=/run/hostapd
ssid=$LAB_SSID
hw_mode=g
channel=1
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=$LAB_PASSPHRASE
CONF
