// AudioWorklet: reply audio (PCM16 chunks) through a small jitter buffer to the speaker.
// "clear" drops everything queued at once; the played count goes back to the page.
class VonaPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.prebuffer = options.processorOptions.prebuffer; // samples before starting
    this.maxWait = options.processorOptions.maxWait; // quanta to wait for the prebuffer
    this.queue = [];
    this.offset = 0;
    this.buffered = 0;
    this.playing = false;
    this.waited = 0;
    this.played = 0;
    this.quanta = 0;
    this.port.onmessage = (event) => {
      const data = event.data;
      if (data instanceof ArrayBuffer) {
        const chunk = new Int16Array(data);
        this.queue.push(chunk);
        this.buffered += chunk.length;
      } else if (data.type === "clear") {
        const dropped = this.buffered;
        this.queue = [];
        this.offset = 0;
        this.buffered = 0;
        this.playing = false;
        this.waited = 0;
        this.port.postMessage({ type: "cleared", dropped, played: this.played });
      }
    };
  }

  process(inputs, outputs) {
    const out = outputs[0][0];
    out.fill(0);
    if (!this.playing && this.buffered > 0) {
      this.waited++;
      if (this.buffered >= this.prebuffer || this.waited >= this.maxWait) {
        this.playing = true;
        this.waited = 0;
        this.port.postMessage({ type: "start", t: currentTime });
      }
    }
    if (this.playing) {
      let i = 0;
      while (i < out.length && this.queue.length) {
        const chunk = this.queue[0];
        const n = Math.min(out.length - i, chunk.length - this.offset);
        for (let k = 0; k < n; k++) out[i + k] = chunk[this.offset + k] / 32768;
        i += n;
        this.offset += n;
        if (this.offset === chunk.length) {
          this.queue.shift();
          this.offset = 0;
        }
      }
      this.buffered -= i;
      this.played += i;
      if (this.buffered === 0) {
        this.playing = false; // underrun or end of reply: prebuffer again
        this.port.postMessage({ type: "idle", t: currentTime + i / sampleRate });
      }
    }
    if (++this.quanta % 8 === 0) this.port.postMessage({ type: "played", played: this.played });
    return true;
  }
}
registerProcessor("vona-player", VonaPlayer);
