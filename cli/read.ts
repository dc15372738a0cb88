// Reading what the scan reads, as a CI runner meets it in a pull request: never blocking on a FIFO,
// never a device (`/dev/zero` behind a link), in chunks (a file may be larger than memory or than
// a string can hold), and with its encoding checked: UTF-8, or UTF-16 with a byte-order mark (what
// Windows PowerShell's `>` writes); bytes that are not UTF-8 get a warning, a NUL byte ends it.
import * as fs from "fs";
import { isUtf8 } from "buffer";

const chunkBytes = 2 ** 20;

/** Waits, for a descriptor that has nothing to give or take yet (a non-blocking pipe). */
function pause(): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
}

function isWouldBlock(e: unknown): boolean {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "EAGAIN" || code === "EWOULDBLOCK";
}

/** Writes all of `text`, waiting while a non-blocking pipe is full: output stays bounded, whoever reads it and however slowly. */
export function writeAll(fd: number, text: string): void {
    const bytes = Buffer.from(text);
    for (let written = 0; written < bytes.length; ) {
        try {
            written += fs.writeSync(fd, bytes, written);
        } catch (e) {
            if (!isWouldBlock(e)) {
                throw e;
            }
            pause();
        }
    }
}

/** Output to a descriptor, written in blocks of 64 KiB (a system call per finding would be most of a scan's time); `flush` writes the rest. */
export function blockWriter(fd: number): { write(text: string): void; flush(): void } {
    let pending: string[] = [];
    let length = 0;
    const flush = () => {
        const text = pending.join("");
        pending = [];
        length = 0;
        writeAll(fd, text);
    };
    return {
        write(text) {
            pending.push(text);
            length += text.length;
            if (length >= 2 ** 16) {
                flush();
            }
        },
        flush,
    };
}

/**
 * The bytes of a descriptor, chunk by chunk, to its end. `waiting` is called before each read of
 * what may keep the scan waiting (a pipe, a terminal), so that output written so far goes out first.
 */
export function* descriptorChunks(fd: number, waiting?: () => void): Generator<Uint8Array> {
    const mayWait = waiting !== undefined && !fs.fstatSync(fd).isFile();
    for (;;) {
        const buffer = Buffer.allocUnsafe(chunkBytes);
        let read: number;
        if (mayWait) {
            waiting();
        }
        try {
            read = fs.readSync(fd, buffer, 0, chunkBytes, null);
        } catch (e) {
            if (isWouldBlock(e)) {
                pause();
                continue;
            }
            throw e;
        }
        if (read === 0) {
            return;
        }
        yield buffer.subarray(0, read);
    }
}

export type Opened = { fd: number } | { problem: string };

/**
 * Opens a file to read: a regular file, or (`streams`, for a path named on the command line, as
 * `<(helm template .)` names one) a FIFO or a socket. Opened without blocking, so that a FIFO
 * with no writer doesn't hang the scan, and checked on the descriptor, not the name.
 */
export function openToRead(file: string, { streams }: { streams: boolean }): Opened {
    let fd: number;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    } catch (e) {
        return { problem: `can't be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    }
    const stat = fs.fstatSync(fd);
    if (stat.isFile() || (streams && (stat.isFIFO() || stat.isSocket()))) {
        return { fd };
    }
    fs.closeSync(fd);
    return { problem: `is not a regular file (${fileTypeOf(stat)})` };
}

/** What a directory entry that is not a regular file is. */
export function fileTypeOf(stat: fs.Stats | fs.Dirent): string {
    return stat.isDirectory()
        ? "a directory"
        : stat.isFIFO()
          ? "a FIFO"
          : stat.isSocket()
            ? "a socket"
            : stat.isCharacterDevice()
              ? "a character device"
              : stat.isBlockDevice()
                ? "a block device"
                : "not a file";
}

/** Something about a file's encoding worth a warning. */
export type EncodingWarning = (message: string) => void;

/** A text that can't be scanned: a NUL byte says it is no text file (YAML and JSON forbid it). */
export class NotText extends Error {
    constructor(readonly line: number) {
        super("a NUL byte: this is not a text file, so it is not read");
    }
}

/** How many bytes at the end of `bytes` start a UTF-8 sequence that the next chunk completes. */
function incompleteTail(bytes: Uint8Array): number {
    for (let back = 1; back <= Math.min(3, bytes.length); back++) {
        const byte = bytes[bytes.length - back];
        if ((byte & 0xc0) !== 0x80) {
            const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
            return length > back ? back : 0;
        }
    }
    return 0;
}

/** The offset of the first byte of `bytes` that isn't valid UTF-8. */
function firstInvalid(bytes: Uint8Array): number {
    let low = 0;
    let high = bytes.length;
    // The longest valid prefix, to within a sequence: halving keeps it to a few dozen isUtf8 calls.
    while (high - low > 4) {
        const middle = (low + high) >>> 1;
        const cut = middle - incompleteTail(bytes.subarray(0, middle));
        if (isUtf8(bytes.subarray(0, cut))) {
            low = cut;
        } else {
            high = middle;
        }
    }
    return low;
}

function countNewlines(text: string, end = text.length): number {
    let lines = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) {
        lines++;
    }
    return lines;
}

/**
 * The text of bytes read in chunks: decoded by their byte-order mark (UTF-8 without one), the mark
 * dropped. Bytes that aren't UTF-8 are read as U+FFFD, with one warning naming the first's line.
 * Throws NotText at a NUL byte.
 */
export function* decodedText(chunks: Iterable<Uint8Array>, warn: EncodingWarning): Generator<string> {
    let decoder: TextDecoder | undefined;
    let utf8 = true;
    let warned = false;
    let carry: Uint8Array = new Uint8Array(0);
    let line = 1;
    for (const chunk of chunks) {
        let bytes: Uint8Array = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        if (!decoder) {
            if (bytes.length < 3 && bytes.length > 0 && (bytes[0] === 0xef || bytes[0] === 0xff || bytes[0] === 0xfe)) {
                carry = bytes; // not enough to tell the mark yet
                continue;
            }
            const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : "utf-8";
            utf8 = encoding === "utf-8";
            decoder = new TextDecoder(encoding); // drops the mark
        }
        carry = new Uint8Array(0);
        if (utf8) {
            const tail = incompleteTail(bytes);
            carry = bytes.slice(bytes.length - tail);
            bytes = bytes.subarray(0, bytes.length - tail);
            if (!warned && !isUtf8(bytes)) {
                warned = true;
                const invalid = firstInvalid(bytes);
                warn(`not valid UTF-8 (the first bad byte is on line ${line + countNewlines(Buffer.from(bytes.subarray(0, invalid)).toString("utf8"))}): read with U+FFFD in place of the bad bytes, so findings may not match the file`);
            }
        }
        const text = decoder.decode(bytes, { stream: true });
        const nul = text.indexOf("\0");
        if (nul >= 0) {
            throw new NotText(line + countNewlines(text, nul));
        }
        line += countNewlines(text);
        if (text.length > 0) {
            yield text;
        }
    }
    const rest = (decoder ?? new TextDecoder()).decode(carry);
    if (!warned && utf8 && carry.length > 0) {
        warn(`not valid UTF-8 (it ends inside a character, on line ${line}): read with U+FFFD in place of the bad bytes`);
    }
    if (rest.includes("\0")) {
        throw new NotText(line);
    }
    if (rest.length > 0) {
        yield rest;
    }
}

/**
 * A file's whole text, for the small files the scan reads whole (env files, the config), up to
 * `maxBytes`; `streams` as for openToRead.
 */
export function readSmallText(file: string, maxBytes: number, warn: EncodingWarning, { streams = false } = {}): { text: string } | { problem: string } {
    const opened = openToRead(file, { streams });
    if ("problem" in opened) {
        return opened;
    }
    try {
        let bytes = 0;
        const capped = function* (chunks: Iterable<Uint8Array>) {
            for (const chunk of chunks) {
                bytes += chunk.length;
                if (bytes > maxBytes) {
                    return;
                }
                yield chunk;
            }
        };
        const text = [...decodedText(capped(descriptorChunks(opened.fd)), warn)].join("");
        return bytes > maxBytes ? { problem: `is larger than the ${maxBytes / 2 ** 20} MiB the scan reads of it` } : { text };
    } catch (e) {
        if (e instanceof NotText) {
            return { problem: `has a NUL byte on line ${e.line} (it is not a text file)` };
        }
        return { problem: `can't be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    } finally {
        fs.closeSync(opened.fd);
    }
}
