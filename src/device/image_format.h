/* Which container a source file is, from its first and last bytes. Pure: takes the bytes,
 * never the file, so a byte array tests it. Included by device/ only. */
#pragma once

#include "util/bytes.h"

#include <stdint.h>

typedef enum {
	IMAGE_FORMAT_RAW = 0,   /* none of the below: the bytes are the disk or volume */
	IMAGE_FORMAT_EWF,       /* EnCase 1-7 / FTK E01 ("EVF\x09\x0d\x0a\xff\x00") */
	IMAGE_FORMAT_EWF2,      /* EnCase 7+ Ex01 ("EVF2\x0d\x0a\x81\x00") */
	IMAGE_FORMAT_EWF_LOGICAL, /* L01 / Lx01 logical evidence: files, not a disk */
	IMAGE_FORMAT_VHD,       /* "conectix" footer in the last 512 (or 511) bytes, or at 0 */
	IMAGE_FORMAT_VHDX,      /* "vhdxfile" at 0 */
	IMAGE_FORMAT_VMDK,      /* "KDMV" sparse extent or a "# Disk DescriptorFile" text */
	IMAGE_FORMAT_VMDK_COWD, /* "COWD": ESX sparse extent, which libvmdk reads too */
	IMAGE_FORMAT_QCOW,      /* "QFI\xfb" */
} ImageFormat;

enum {
	IMAGE_FORMAT_HEAD_BYTES = 512, /* what image_format_sniff() wants of the start */
	IMAGE_FORMAT_TAIL_BYTES = 512, /* and of the end (a VHD footer) */
};

/* The format of a file that starts with `head` and ends with `tail` (either may be shorter
 * than asked for, or empty, for a short file). */
ImageFormat image_format_sniff(ByteSpan head, ByteSpan tail);

/* "E01", "VHDX", ... for messages; "raw" for IMAGE_FORMAT_RAW. */
const char *image_format_name(ImageFormat format);

/* An EWF (E01) section descriptor: 76 bytes at the offsets the previous one names, the
 * first right after the 13-byte segment header. */
enum {
	EWF_SEGMENT_HEADER_SIZE = 13,
	EWF_SECTION_TYPE = 0x00,        /* char[16], NUL-padded: "header", "table", "next", "done" */
	EWF_SECTION_NEXT_OFFSET = 0x10, /* u64, from the start of the segment file */
	EWF_SECTION_SIZE = 0x18,        /* u64, descriptor included */
	EWF_SECTION_DESCRIPTOR_SIZE = 76,
};

typedef struct {
	char type[17];        /* NUL-terminated */
	uint64_t next_offset; /* where the next descriptor is; "next" and "done" name themselves */
} EwfSection;

/* Decodes the descriptor at the start of `raw`; false if it is shorter than one. */
bool image_format_ewf_section_parse(ByteSpan raw, EwfSection *out);
