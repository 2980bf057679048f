import { imageTypeOf, imageUrlOf } from "../src/images/productImage";

const bytes = (...values: Array<number | string>) =>
  Buffer.concat(
    values.map((value) => (typeof value === "string" ? Buffer.from(value, "latin1") : Buffer.from([value]))),
  );

describe("product image checks", () => {
  it("tells PNG, JPEG and WebP apart by their first bytes", () => {
    expect(imageTypeOf(bytes(0x89, "PNG", 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13))).toBe("image/png");
    expect(imageTypeOf(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16, "JFIF"))).toBe("image/jpeg");
    expect(imageTypeOf(bytes("RIFF", 0x24, 0, 0, 0, "WEBPVP8 "))).toBe("image/webp");
  });

  it("refuses anything else, whatever its name or claimed type: GIF, SVG, a RIFF that is not WebP, too few bytes", () => {
    expect(imageTypeOf(bytes("GIF89a"))).toBeUndefined();
    expect(imageTypeOf(bytes("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeUndefined();
    expect(imageTypeOf(bytes("RIFF", 0x24, 0, 0, 0, "WAVEfmt "))).toBeUndefined();
    expect(imageTypeOf(bytes(0x89, "PN"))).toBeUndefined();
    expect(imageTypeOf(new Uint8Array(0))).toBeUndefined();
  });

  it("versions the image URL by the start of its SHA-256", () => {
    expect(imageUrlOf("p1", "ab".repeat(32))).toBe(`/images/products/p1?v=${"ab".repeat(8)}`);
  });
});
