# netdojo in a container (`netdojo images build --self` → netdojo/netdojo:latest): netdojo, its
# labs (visible checks only, as the wheel ships them) and the host tools it drives, on top of
# the lab image so the two share their layers.  It runs labs against the host's kernel and
# engine; docs/container.md gives the one command for Linux, macOS and Windows.
FROM netdojo/node:latest

ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# What scripts/install.sh puts on a host, less the browser and Mininet: links and bridges,
# the sandbox for student scripts, drawings with Korean glyphs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      iptables bridge-utils bubblewrap graphviz fonts-dejavu-core fonts-nanum util-linux \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
# The netdojo wheel and its dependencies, fetched by the host (no network needed here).
COPY wheels /tmp/netdojo-wheels
RUN python3 -m venv /opt/netdojo \
 && /opt/netdojo/bin/pip install --no-cache-dir --no-index --find-links /tmp/netdojo-wheels netdojo \
 && ln -s /opt/netdojo/bin/netdojo /usr/local/bin/netdojo \
 && rm -rf /tmp/netdojo-wheels
WORKDIR /work
ENTRYPOINT ["netdojo"]
CMD ["--help"]
