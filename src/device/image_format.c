/* Container recognition by signature: EWF, VHD/VHDX, VMDK, QCOW. Looks only at the bytes
 * it is given; a file that matches nothing is a raw image. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/image_format.h"

#include <string.h>

static bool starts_with(ByteSpan s, size_t off, const char *magic, size_t len)
{
	return span_has(s, off, len) && memcmp(s.data + off, magic, len) == 0;
}

/* The VHD footer is 512 bytes; images made before Virtual PC 2004 have a 511-byte one. */
static bool has_vhd_footer(ByteSpan tail)
{
	return (tail.size >= 512 && starts_with(tail, tail.size - 512, "conectix", 8)) ||
	       (tail.size >= 511 && starts_with(tail, tail.size - 511, "conectix", 8));
}

ImageFormat image_format_sniff(ByteSpan head, ByteSpan tail)
{
	static const char vmdk_text[] = "# Disk DescriptorFile";

	if (starts_with(head, 0, "EVF\x09\x0d\x0a\xff\x00", 8))
		return IMAGE_FORMAT_EWF;
	if (starts_with(head, 0, "EVF2\x0d\x0a\x81\x00", 8))
		return IMAGE_FORMAT_EWF2;
	if (starts_with(head, 0, "LVF\x09\x0d\x0a\xff\x00", 8) ||
	    starts_with(head, 0, "LEF2\x0d\x0a\x81\x00", 8))
		return IMAGE_FORMAT_EWF_LOGICAL;
	if (starts_with(head, 0, "vhdxfile", 8))
		return IMAGE_FORMAT_VHDX;
	if (starts_with(head, 0, "KDMV", 4) || starts_with(head, 0, vmdk_text, sizeof vmdk_text - 1))
		return IMAGE_FORMAT_VMDK;
	if (starts_with(head, 0, "COWD", 4))
		return IMAGE_FORMAT_VMDK_COWD;
	if (starts_with(head, 0, "QFI\xfb", 4))
		return IMAGE_FORMAT_QCOW;
	/* A dynamic VHD keeps a copy of its footer at 0; a fixed one has it only at the end,
	 * after the raw disk bytes. */
	if (starts_with(head, 0, "conectix", 8) || has_vhd_footer(tail))
		return IMAGE_FORMAT_VHD;
	return IMAGE_FORMAT_RAW;
}

const char *image_format_name(ImageFormat format)
{
	switch (format) {
	case IMAGE_FORMAT_EWF: return "E01";
	case IMAGE_FORMAT_EWF2: return "Ex01";
	case IMAGE_FORMAT_EWF_LOGICAL: return "L01";
	case IMAGE_FORMAT_VHD: return "VHD";
	case IMAGE_FORMAT_VHDX: return "VHDX";
	case IMAGE_FORMAT_VMDK: return "VMDK";
	case IMAGE_FORMAT_VMDK_COWD: return "VMDK (COWD)";
	case IMAGE_FORMAT_QCOW: return "QCOW";
	case IMAGE_FORMAT_RAW: break;
	}
	return "raw";
}

bool image_format_ewf_section_parse(ByteSpan raw, EwfSection *out)
{
	if (!span_has(raw, 0, EWF_SECTION_DESCRIPTOR_SIZE))
		return false;
	memset(out->type, 0, sizeof out->type);
	memcpy(out->type, raw.data + EWF_SECTION_TYPE, 16);
	out->next_offset = le64_at(raw.data + EWF_SECTION_NEXT_OFFSET);
	return true;
}
