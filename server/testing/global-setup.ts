// Tests run with the process in UTC so that nothing passes only in Beijing time.
export default function setup() {
  process.env.TZ = "UTC";
}
