// AudioWorklet: microphone -> 20 ms PCM16 frames at the context rate, posted to the page.
class VonaCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.frame = options.processorOptions.frame;
    this.buf = new Int16Array(this.frame);
    this.fill = 0;
    this.energy = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      const x = Math.max(-1, Math.min(1, input[i]));
      this.energy += x * x;
      this.buf[this.fill++] = x < 0 ? x * 32768 : x * 32767;
      if (this.fill === this.frame) {
        const pcm = this.buf.buffer;
        const rms = Math.sqrt(this.energy / this.frame);
        // the time the frame's last sample left the microphone
        const t = currentTime + (i + 1) / sampleRate;
        this.port.postMessage({ pcm, rms, t }, [pcm]);
        this.buf = new Int16Array(this.frame);
        this.fill = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}
registerProcessor("vona-capture", VonaCapture);
