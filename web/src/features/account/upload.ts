import type { components } from "../../api/schema";

type PresignedPost = components["schemas"]["PresignedPost"];

/** Send a file straight to storage with a presigned POST: its fields first, the file last, as S3 requires.
 * The storage's answer is opaque across origins; the API's confirm step is what tells whether it arrived. */
export async function uploadPresigned(upload: PresignedPost, file: File): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, String(value));
  form.append("file", file);
  await fetch(upload.url, { method: "POST", body: form, mode: "no-cors", credentials: "omit" });
}

export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export function imageType(file: File): ImageType | null {
  return (IMAGE_TYPES as readonly string[]).includes(file.type) ? (file.type as ImageType) : null;
}
