#!/usr/bin/env python3
"""A tiny scripted OpenAI-compatible server on 127.0.0.1 (stdlib only), for retrying issue 10 point 4 from outside.

POST /v1/chat/completions: the SQL writer (system prompt "You are the SQL writer") answers at once with
```sql SELECT count(*) AS orders FROM sales.orders``` and 2,000 input / 50 output tokens of usage; every other agent
(the narrator, ...) streams its reply one word every --slow seconds, so a Stop lands while it talks. Each request
is logged as one JSON line on stdout (path, first words of the system prompt, stream, when).

    python3 benchmarks/attacks/scripted_llm.py --port 18140 --slow 5
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SQL = "```sql\nSELECT count(*) AS orders FROM sales.orders\n```"
LOCK = threading.Lock()


def usage(inp, out):
    return {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    slow = 5.0

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0") or 0)) or b"{}")
        system = "\n".join(m.get("content") or "" for m in body.get("messages", []) if m.get("role") in ("system", "developer")
                           if isinstance(m.get("content"), str))
        stream = bool(body.get("stream"))
        writer = "You are the SQL writer" in system
        with LOCK:
            print(json.dumps({"at": time.strftime("%H:%M:%S"), "path": self.path, "agent": system[:40], "stream": stream,
                              "model": body.get("model")}), flush=True)
        if self.path.endswith("/embeddings"):
            inputs = body.get("input") if isinstance(body.get("input"), list) else [body.get("input", "")]
            data = [{"object": "embedding", "index": i, "embedding": [0.125] * 64} for i in range(len(inputs))]
            return self.json({"object": "list", "data": data, "model": body.get("model"), "usage": {"prompt_tokens": 8, "total_tokens": 8}})
        text = SQL if writer else "There are many orders in the demo warehouse."
        inp, out = (2000, 50) if writer else (1500, 40)
        model = body.get("model", "gpt-4o")
        cid = f"chatcmpl-{time.time_ns()}"
        if not stream:
            if not writer:
                time.sleep(self.slow * 10)
            return self.json({"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
                              "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                                           "logprobs": None, "finish_reason": "stop"}], "usage": usage(inp, out)})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.event({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
            for word in text.split(" "):
                if not writer:
                    time.sleep(self.slow)
                self.event({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                            "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]})
            self.event({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                self.event({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                            "choices": [], "usage": usage(inp, out)})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            with LOCK:
                print(json.dumps({"at": time.strftime("%H:%M:%S"), "closed_by_client": system[:40]}), flush=True)
        self.close_connection = True

    def event(self, obj):
        self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")
        self.wfile.flush()

    def json(self, obj):
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=18140)
    parser.add_argument("--slow", type=float, default=5.0, help="seconds between the words of every agent but the SQL writer")
    args = parser.parse_args()
    Handler.slow = args.slow
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(json.dumps({"listening": f"http://127.0.0.1:{args.port}/v1"}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
