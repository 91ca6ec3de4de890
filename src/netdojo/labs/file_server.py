"""A small HTTP/1.1 file server for lab nodes, run as a script by the system's python3:
`python3 file_server.py PORT FOLDER`.  Standard library only (it runs outside the venv).

HTTP/1.1 with keep-alive, so a client such as curl closes the connection first; and no DNS
lookup of its own name at start (HTTPServer's default), which a lab node has no resolver for.
"""

import functools
import http.server
import socketserver
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "lab", self.server_address[1]


if __name__ == "__main__":
    port, folder = int(sys.argv[1]), sys.argv[2]
    Server(("0.0.0.0", port), functools.partial(Handler, directory=folder)).serve_forever()
