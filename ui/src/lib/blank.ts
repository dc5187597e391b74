// Whether a captured image is blank (all black, or one flat colour): a capture of a hidden or
// empty screen, which the user should hear about before sending it.

/** `pixels` is RGBA, as `CanvasRenderingContext2D.getImageData` gives it. */
export function isBlank(pixels: Uint8ClampedArray | number[]): boolean {
  if (pixels.length < 4) {
    return false;
  }
  let low = 255;
  let high = 0;
  for (let index = 0; index + 3 < pixels.length; index += 4) {
    for (let channel = 0; channel < 3; channel += 1) {
      const value = pixels[index + channel] ?? 0;
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
  }
  return high - low <= 8;
}
