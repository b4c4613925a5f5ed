/* image_format_sniff on every signature, on headers cut at every length, on near misses
 * and on empty input; the VHD footer at the end only where a footer can be; EWF section
 * descriptors cut short. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "device/image_format.h"

static const ByteSpan empty = { NULL, 0 };

static ImageFormat sniff_head(const void *data, size_t size)
{
	return image_format_sniff(byte_span(data, size), empty);
}

static const struct {
	const char *magic;
	size_t size;
	ImageFormat format;
} signatures[] = {
	{ "EVF\x09\x0d\x0a\xff\x00", 8, IMAGE_FORMAT_EWF },
	{ "EVF2\x0d\x0a\x81\x00", 8, IMAGE_FORMAT_EWF2 },
	{ "LVF\x09\x0d\x0a\xff\x00", 8, IMAGE_FORMAT_EWF_LOGICAL },
	{ "LEF2\x0d\x0a\x81\x00", 8, IMAGE_FORMAT_EWF_LOGICAL },
	{ "vhdxfile", 8, IMAGE_FORMAT_VHDX },
	{ "conectix", 8, IMAGE_FORMAT_VHD },
	{ "KDMV", 4, IMAGE_FORMAT_VMDK },
	{ "# Disk DescriptorFile", 21, IMAGE_FORMAT_VMDK },
	{ "COWD", 4, IMAGE_FORMAT_VMDK_COWD },
	{ "QFI\xfb", 4, IMAGE_FORMAT_QCOW },
};

Test(image_format, recognises_every_signature)
{
	for (size_t i = 0; i < G_N_ELEMENTS(signatures); i++) {
		uint8_t head[512] = { 0 };
		memcpy(head, signatures[i].magic, signatures[i].size);
		cr_assert_eq(sniff_head(head, sizeof head), signatures[i].format, "%s",
			     image_format_name(signatures[i].format));
		/* exactly the signature and nothing after it */
		cr_assert_eq(sniff_head(head, signatures[i].size), signatures[i].format);
	}
}

Test(image_format, truncated_signatures_are_raw)
{
	for (size_t i = 0; i < G_N_ELEMENTS(signatures); i++)
		for (size_t len = 0; len < signatures[i].size; len++)
			cr_assert_eq(sniff_head(signatures[i].magic, len), IMAGE_FORMAT_RAW,
				     "%s cut to %zu bytes", image_format_name(signatures[i].format), len);
}

Test(image_format, near_misses_are_raw)
{
	static const char *const misses[] = {
		"EVF\x09\x0d\x0a\xff\x01", "EVF2\x0d\x0a\x81\x01", "VHDXFILE", "Conectix",
		"KDMW", "QFI\xfa", "# Disk descriptorFile", "NTFS    ", "-FVE-FS-",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(misses); i++) {
		uint8_t head[512] = { 0 };
		memcpy(head, misses[i], strlen(misses[i]));
		cr_assert_eq(sniff_head(head, sizeof head), IMAGE_FORMAT_RAW, "%s", misses[i]);
	}
	cr_assert_eq(image_format_sniff(empty, empty), IMAGE_FORMAT_RAW);
}

Test(image_format, vhd_footer_only_at_the_end)
{
	uint8_t tail[512] = { 0 };
	memcpy(tail, "conectix", 8);
	cr_assert_eq(image_format_sniff(empty, byte_span(tail, sizeof tail)), IMAGE_FORMAT_VHD);
	/* the old 511-byte footer */
	cr_assert_eq(image_format_sniff(empty, byte_span(tail, 511)), IMAGE_FORMAT_VHD);
	/* a tail shorter than a footer holds none, wherever the cookie is */
	cr_assert_eq(image_format_sniff(empty, byte_span(tail, 510)), IMAGE_FORMAT_RAW);
	cr_assert_eq(image_format_sniff(empty, byte_span(tail, 8)), IMAGE_FORMAT_RAW);
	/* a cookie in the middle of the last 512 bytes is data, not a footer */
	uint8_t mid[512] = { 0 };
	memcpy(mid + 100, "conectix", 8);
	cr_assert_eq(image_format_sniff(empty, byte_span(mid, sizeof mid)), IMAGE_FORMAT_RAW);
}

Test(image_format, names)
{
	cr_assert_str_eq(image_format_name(IMAGE_FORMAT_EWF), "E01");
	cr_assert_str_eq(image_format_name(IMAGE_FORMAT_VHDX), "VHDX");
	cr_assert_str_eq(image_format_name(IMAGE_FORMAT_RAW), "raw");
	cr_assert_str_eq(image_format_name((ImageFormat)99), "raw");
}

Test(image_format, ewf_section_descriptor)
{
	uint8_t raw[EWF_SECTION_DESCRIPTOR_SIZE] = { 0 };
	EwfSection section;
	/* a type that fills all 16 bytes comes back NUL-terminated */
	memset(raw, 'x', 16);
	raw[EWF_SECTION_NEXT_OFFSET] = 0x34;
	raw[EWF_SECTION_NEXT_OFFSET + 7] = 0x12;
	cr_assert(image_format_ewf_section_parse(byte_span(raw, sizeof raw), &section));
	cr_assert_eq(strlen(section.type), 16);
	cr_assert_eq(section.next_offset, 0x1200000000000034ull);
	memcpy(raw, "done\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	cr_assert(image_format_ewf_section_parse(byte_span(raw, sizeof raw), &section));
	cr_assert_str_eq(section.type, "done");
	for (size_t len = 0; len < sizeof raw; len++)
		cr_assert_not(image_format_ewf_section_parse(byte_span(raw, len), &section));
}
