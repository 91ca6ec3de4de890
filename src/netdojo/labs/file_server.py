"""A small HTTP file server for lab nodes, run as a script by the system's python3:
`python3 file_server.py PORT FOLDER [close]`.  Standard library only (it runs outside the venv).

HTTP/1.1 with keep-alive, so a client such as curl closes the connection first; with `close`,
HTTP/1.0, so the server closes each connection after its answer and the TIME-WAIT is its own.
No DNS lookup of its own name at start (HTTPServer's default): a lab node has no resolver.
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


class Closing(Handler):
    protocol_version = "HTTP/1.0"  # one request per connection, the server's FIN first


if __name__ == "__main__":
    port, folder = int(sys.argv[1]), sys.argv[2]
    if sys.argv[3:] == ["close"]:
        Handler = Closing  # noqa: N806 - the class the server instantiates
    Server(("0.0.0.0", port), functools.partial(Handler, directory=folder)).serve_forever()
