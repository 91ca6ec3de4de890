#!/bin/sh
# Prints haproxy.cfg for this student's values (netdojo sets LAB_API_BACKEND, LAB_API_PREFIX,
# LAB_DETECT_WITHIN).
set -eu
# Two failed checks mark a server DOWN: inter × 2 plus a check's 300 ms timeout must fit in
# detect_within, so inter = detect_within / 2 - 0.2 s (in ms).
inter=$(awk -v d="$LAB_DETECT_WITHIN" 'BEGIN { printf "%d", (d / 2 - 0.2) * 1000 }')
cat <<CFG
global
  log stdout format raw local0 info

defaults
  mode http
  log global
  timeout connect 500ms
  timeout client 30s
  timeout server 2s
  timeout check 300ms
  # A request whose server fails is tried again, on another server (redispatch on each retry).
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 502 503 504

frontend shop
  bind :80
  option forwardfor
  use_backend api if { path_beg $LAB_API_PREFIX/ }
  default_backend web

backend web
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  cookie SERVERID insert indirect nocache
  # Check every inter, every 300 ms once a check failed; two failures mark a server DOWN.
  default-server check inter ${inter}ms fastinter 300ms downinter 1s fall 2 rise 2 observe layer7 error-limit 5 on-error mark-down
  server web1 web1:80 cookie web1
  server web2 web2:80 cookie web2
  server web3 web3:80 cookie web3

backend api
  option httpchk GET /health
  http-check expect status 200
  default-server check inter ${inter}ms fastinter 300ms downinter 1s fall 2 rise 2
  server $LAB_API_BACKEND $LAB_API_BACKEND:80
CFG
