#!/bin/sh
# Prints lb7's config: a layer-7 balancer that reads each request, sends the API prefix to one
# server, and checks /health over HTTP, so a server answering 503 is taken out.
set -eu
cat <<CFG
global
  log stdout format raw local0 info

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 5s

frontend shop
  bind :80
  use_backend api if { path_beg $LAB_API_PREFIX/ }
  default_backend web

backend web
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  default-server check inter 500ms fall 2 rise 2
  server web1 web1:80
  server web2 web2:80

backend api
  option httpchk GET /health
  server $LAB_API_BACKEND $LAB_API_BACKEND:80 check inter 500ms
CFG
