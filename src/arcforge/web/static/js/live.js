// Live events over the WebSocket: subscribe to tasks, reconnect with back-off when the
// connection drops (a server process restarting); once back, onResync reloads what the page
// shows, since events of the gap were not received.

export class Live {
  constructor(onEvent, onState = () => {}, onResync = () => {}) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onResync = onResync;
    this.dropped = false;
    this.taskIds = [];
    this.ws = null;
    this.delay = 500;
    this.closed = false;
  }

  subscribe(taskIds) {
    this.taskIds = [...new Set(taskIds)];
    if (this.ws?.readyState === WebSocket.OPEN) this.send();
    else if (!this.ws) this.connect();
  }

  send() {
    this.ws.send(JSON.stringify({ subscribe: this.taskIds }));
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/ws`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.delay = 500;
      this.send();
    });
    ws.addEventListener("message", (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg.type === "subscribed") {
        this.onState("live");
        if (this.dropped) this.onResync();
        this.dropped = false;
      } else this.onEvent(msg);
    });
    ws.addEventListener("close", () => {
      this.ws = null;
      this.dropped = true;
      this.onState("offline");
      if (this.closed) return;
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    });
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }
}
