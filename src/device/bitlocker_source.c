/* BitLocker volumes through libbde: a libbfio handle that reads through our BlockSource,
 * key checks, the FVE metadata parse we need when libbde cannot open a volume, and the
 * decrypted BlockSource. libbde and its error objects never leave this file; nothing here
 * writes to the volume. libbde is not thread-safe: one mutex serialises all decrypting reads. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/bitlocker_source.h"
#include "util/error.h"

#include <inttypes.h>
#include <libbde.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- on-disk layout -------------------------------------------------------------------- */

enum {                                      /* volume header (first 512 bytes)            */
	BDE_HDR_SIGNATURE = 0x03,           /* 8 bytes: "-FVE-FS-", or "MSWIN4.1" (To Go) */
	BDE_HDR_BYTES_PER_SECTOR = 0x0B,    /* u16                                         */
	BDE_HDR_SECTORS_PER_CLUSTER = 0x0D, /* u8                                          */
	BDE_HDR_VISTA_METADATA_LCN = 0x38,  /* u64, Vista: cluster of the first FVE block  */
	BDE_HDR_GUID = 0xA0,                /* 16 bytes, Windows 7+: BDE_GUID or BDE_GUID_EOW */
	BDE_HDR_METADATA_OFFSETS = 0xB0,    /* 3 x u64 bytes, Windows 7+                   */
	BDE_HDR_TOGO_GUID = 0x1A8,          /* 16 bytes, To Go: BDE_GUID                   */
	BDE_HDR_TOGO_METADATA_OFFSETS = 0x1B8,
	BDE_HDR_SIZE = 512,
};

enum {                                 /* FVE metadata block: block header, then header */
	FVE_BLOCK_UNITS = 0x08,        /* u16: block header + metadata, in 16-byte units;
	                                * the validation record follows                  */
	FVE_BLOCK_VERSION = 0x0A,      /* u16: 1 Vista, 2 Windows 7+                     */
	FVE_BLOCK_CURRENT_STATE = 0x0C,/* u16: FveState                                  */
	FVE_BLOCK_NEXT_STATE = 0x0E,   /* u16                                            */
	FVE_BLOCK_ENCRYPTED_SIZE = 0x10,/* u64 bytes                                     */
	FVE_META_SIZE = 0x40,          /* u32: metadata header + entries, in bytes       */
	FVE_META_VOLUME_GUID = 0x50,   /* 16 bytes                                       */
	FVE_META_METHOD = 0x64,        /* u16: LIBBDE_ENCRYPTION_METHOD_*                */
	FVE_META_CREATION_TIME = 0x68, /* u64 FILETIME                                   */
	FVE_META_ENTRIES = 0x70,       /* first metadata entry                           */
	FVE_META_MAX_BYTES = 64 * 1024,
	FVE_VALID_VERSION = 0x02,      /* validation record: u16, 2 = CRC32 below        */
	FVE_VALID_CRC32 = 0x04,        /* u32: CRC-32 of the FVE_BLOCK_UNITS bytes        */
	FVE_VALID_MIN_SIZE = 0x08,
};

enum {                          /* metadata entry                                        */
	FVE_ENTRY_SIZE = 0x00,  /* u16, whole entry                                      */
	FVE_ENTRY_TYPE = 0x02,  /* u16: 2 VMK, 3 FVEK, 7 description                      */
	FVE_ENTRY_VALUE = 0x04, /* u16: 2 UTF-16 string, 8 VMK                            */
	FVE_ENTRY_DATA = 0x08,
	FVE_VMK_GUID = 0x08,       /* 16 bytes */
	FVE_VMK_PROTECTION = 0x22, /* u16: LIBBDE_KEY_PROTECTION_TYPE_*                    */
	FVE_VMK_MIN_SIZE = 0x24,
	FVE_ENTRY_TYPE_VMK = 0x0002,
	FVE_ENTRY_TYPE_DESCRIPTION = 0x0007,
	FVE_VALUE_STRING = 0x0002,
	FVE_VALUE_VMK = 0x0008,
};

typedef enum {
	FVE_STATE_DECRYPTED = 1,
	FVE_STATE_SWITCHING = 2,
	FVE_STATE_EOW_ACTIVATED = 3,
	FVE_STATE_ENCRYPTED = 4,
	FVE_STATE_PAUSED = 5,
} FveState;

static const uint8_t BDE_GUID[16] = { 0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a,
				      0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01 };

/* Windows 8+ "used space only" volumes, which encrypt on write. */
static const uint8_t BDE_GUID_EOW[16] = { 0x3b, 0x4d, 0xa8, 0x92, 0x80, 0xdd, 0x0e, 0x4d,
					  0x9e, 0x4e, 0xb1, 0xe3, 0x28, 0x4e, 0xae, 0xd8 };

#define BDE_PROTECTION_SMART_CARD 0x1000 /* not in this libbde's enum */
#define BDE_READ_AHEAD_BYTES (1024 * 1024)

/* What we decode ourselves from the first FVE metadata block. */
typedef struct {
	uint16_t current_state;
	uint16_t next_state;
	uint16_t method;
	uint64_t encrypted_size_bytes;
	bool eow;  /* the volume header carries BDE_GUID_EOW */
	int copy;  /* which of the three block copies passed its checks (0-based) */
} FveHeader;

/* The libbfio io_handle: libbde reads the volume through it, i.e. through our BlockSource.
 * Only called with the volume mutex held (or before the volume is shared). */
typedef struct {
	BlockSource *parent;
	uint64_t offset;
	bool open;
	uint8_t *cache; /* read-ahead: libbde asks for one sector at a time */
	uint64_t cache_offset;
	size_t cache_length;
	char *last_error;
} BfioAdapter;

struct BitlockerVolume {
	BlockSource source; /* the decrypted volume, valid after a successful unlock */
	BlockSource *parent;
	BitlockerInfo info;
	FveHeader fve;
	char *refusal;        /* why this libbde cannot open the volume, NULL if it can */
	libbde_volume_t *bde; /* opened volume (locked until unlocked) */
	libbfio_handle_t *bfio;
	BfioAdapter *adapter; /* owned by bfio */
	bool unlocked;
	GMutex lock;
};

/* ---- libbfio adapter --------------------------------------------------------------------- */

static int adapter_free(intptr_t **io_handle, libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)*io_handle;
	if (a != NULL) {
		g_free(a->cache);
		g_free(a->last_error);
		g_free(a);
	}
	*io_handle = NULL;
	return 1;
}

static int adapter_clone(intptr_t **dest, intptr_t *src, libbfio_error_t **error)
{
	BfioAdapter *copy = g_new0(BfioAdapter, 1);
	copy->parent = ((BfioAdapter *)src)->parent;
	*dest = (intptr_t *)copy;
	return 1;
}

static int adapter_open(intptr_t *io_handle, int access_flags, libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)io_handle;
	if (access_flags & LIBBFIO_ACCESS_FLAG_WRITE)
		return -1;
	a->open = true;
	a->offset = 0;
	return 1;
}

static int adapter_close(intptr_t *io_handle, libbfio_error_t **error)
{
	((BfioAdapter *)io_handle)->open = false;
	return 0;
}

static int adapter_exists(intptr_t *io_handle, libbfio_error_t **error)
{
	return 1;
}

static int adapter_is_open(intptr_t *io_handle, libbfio_error_t **error)
{
	return ((BfioAdapter *)io_handle)->open ? 1 : 0;
}

static int adapter_get_size(intptr_t *io_handle, size64_t *size, libbfio_error_t **error)
{
	*size = ((BfioAdapter *)io_handle)->parent->size_bytes;
	return 1;
}

static off64_t adapter_seek(intptr_t *io_handle, off64_t offset, int whence,
			    libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)io_handle;
	int64_t base = whence == SEEK_CUR ? (int64_t)a->offset
		     : whence == SEEK_END ? (int64_t)a->parent->size_bytes : 0;
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return -1;
	if (offset < -base || (offset > 0 && base > INT64_MAX - offset))
		return -1;
	a->offset = (uint64_t)(base + offset);
	return (off64_t)a->offset;
}

static ssize_t adapter_read(intptr_t *io_handle, uint8_t *buffer, size_t size,
			    libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)io_handle;
	uint64_t total = a->parent->size_bytes;
	size_t done = 0;

	if (size > SSIZE_MAX)
		size = SSIZE_MAX;
	while (done < size && a->offset < total) {
		if (a->offset < a->cache_offset || a->offset >= a->cache_offset + a->cache_length) {
			size_t want = (size_t)MIN((uint64_t)BDE_READ_AHEAD_BYTES, total - a->offset);
			GError *local = NULL;
			if (a->cache == NULL)
				a->cache = g_malloc(BDE_READ_AHEAD_BYTES);
			a->cache_length = 0;
			if (!block_source_read(a->parent, a->offset, a->cache, want, &local)) {
				g_free(a->last_error);
				a->last_error = g_strdup(local->message);
				g_error_free(local);
				return -1;
			}
			a->cache_offset = a->offset;
			a->cache_length = want;
		}
		size_t at = (size_t)(a->offset - a->cache_offset);
		size_t n = MIN(size - done, a->cache_length - at);
		memcpy(buffer + done, a->cache + at, n);
		done += n;
		a->offset += n;
	}
	return (ssize_t)done;
}

static libbfio_handle_t *adapter_handle_new(BlockSource *parent, BfioAdapter **adapter,
					    GError **error)
{
	libbfio_handle_t *handle = NULL;
	libbfio_error_t *lerr = NULL;
	BfioAdapter *a = g_new0(BfioAdapter, 1);
	a->parent = parent;
	if (libbfio_handle_initialize(&handle, (intptr_t *)a, adapter_free, adapter_clone,
				      adapter_open, adapter_close, adapter_read, NULL,
				      adapter_seek, adapter_exists, adapter_is_open,
				      adapter_get_size, LIBBFIO_FLAG_IO_HANDLE_MANAGED, &lerr) != 1) {
		libbfio_error_free(&lerr);
		g_free(a);
		rfs_set_io(error, "cannot create the libbfio handle");
		return NULL;
	}
	*adapter = a;
	return handle;
}

/* ---- libbde errors and names -------------------------------------------------------------- */

/* libbde's backtrace lists one "function: message." per line, innermost first; the first
 * and last lines name the cause and the failed operation. Frees `lerr`. */
static char *bde_error_text(libbde_error_t *lerr)
{
	char buf[4096] = "";
	if (lerr == NULL)
		return g_strdup("unknown libbde error");
	if (libbde_error_backtrace_sprint(lerr, buf, sizeof buf) < 0)
		g_strlcpy(buf, "unknown libbde error", sizeof buf);
	libbde_error_free(&lerr);

	g_auto(GStrv) lines = g_strsplit(g_strstrip(buf), "\n", -1);
	GPtrArray *keep = g_ptr_array_new();
	guint n = g_strv_length(lines);
	for (guint i = 0; i < n; i++) {
		if (i != 0 && i + 1 != n)
			continue;
		char *text = lines[i];
		char *colon = strstr(text, ": ");
		if (colon != NULL && strchr(text, ' ') > colon) /* drop "libbde_x_y: " */
			text = colon + 2;
		g_strstrip(text);
		size_t len = strlen(text);
		if (len > 0 && text[len - 1] == '.')
			text[len - 1] = '\0';
		if (*text != '\0')
			g_ptr_array_add(keep, text);
	}
	g_ptr_array_add(keep, NULL);
	char *joined = g_strjoinv(": ", (char **)keep->pdata);
	g_ptr_array_free(keep, TRUE);
	return joined;
}

static const char *method_name(uint16_t method)
{
	switch (method) {
	case LIBBDE_ENCRYPTION_METHOD_AES_128_CBC_DIFFUSER: return "AES-CBC 128 with Elephant diffuser";
	case LIBBDE_ENCRYPTION_METHOD_AES_256_CBC_DIFFUSER: return "AES-CBC 256 with Elephant diffuser";
	case LIBBDE_ENCRYPTION_METHOD_AES_128_CBC: return "AES-CBC 128";
	case LIBBDE_ENCRYPTION_METHOD_AES_256_CBC: return "AES-CBC 256";
	case LIBBDE_ENCRYPTION_METHOD_AES_128_XTS: return "AES-XTS 128";
	case LIBBDE_ENCRYPTION_METHOD_AES_256_XTS: return "AES-XTS 256";
	case 0: return "none";
	default: return NULL;
	}
}

static char *method_text(uint16_t method)
{
	const char *name = method_name(method);
	return name != NULL ? g_strdup(name) : g_strdup_printf("unknown (0x%04x)", method);
}

static const char *protection_name(uint16_t type)
{
	switch (type) {
	case LIBBDE_KEY_PROTECTION_TYPE_CLEAR_KEY: return "clear key";
	case LIBBDE_KEY_PROTECTION_TYPE_TPM: return "TPM";
	case LIBBDE_KEY_PROTECTION_TYPE_STARTUP_KEY: return "startup key";
	case 0x0500: return "TPM and PIN";
	case LIBBDE_KEY_PROTECTION_TYPE_RECOVERY_PASSWORD: return "recovery password";
	case BDE_PROTECTION_SMART_CARD: return "smart card";
	case LIBBDE_KEY_PROTECTION_TYPE_PASSWORD: return "password";
	default: return NULL;
	}
}

static char *protection_text(uint16_t type)
{
	const char *name = protection_name(type);
	return name != NULL ? g_strdup(name) : g_strdup_printf("unknown (0x%04x)", type);
}

/* GUIDs are stored with their first three fields little-endian. */
static char *guid_text(const uint8_t *g)
{
	return g_strdup_printf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32_at(g),
			       le16_at(g + 4), le16_at(g + 6), g[8], g[9], g[10], g[11], g[12],
			       g[13], g[14], g[15]);
}

/* ---- volume header and FVE metadata --------------------------------------------------------- */

bool bitlocker_probe(ByteSpan first_sector)
{
	if (!span_has(first_sector, 0, BDE_HDR_SIZE))
		return false;
	const uint8_t *p = first_sector.data;
	if (memcmp(p + BDE_HDR_SIGNATURE, "-FVE-FS-", 8) == 0)
		return true;
	return memcmp(p + BDE_HDR_SIGNATURE, "MSWIN4.1", 8) == 0 &&
	       memcmp(p + BDE_HDR_TOGO_GUID, BDE_GUID, sizeof BDE_GUID) == 0;
}

/* The byte offsets of the three FVE metadata block copies named by the volume header. */
static void fve_block_offsets(ByteSpan hdr, uint64_t offsets[3], bool *to_go, bool *eow)
{
	const uint8_t *p = hdr.data;
	*to_go = memcmp(p + BDE_HDR_SIGNATURE, "MSWIN4.1", 8) == 0;
	*eow = !*to_go && memcmp(p + BDE_HDR_GUID, BDE_GUID_EOW, sizeof BDE_GUID_EOW) == 0;
	if (*to_go || *eow || memcmp(p + BDE_HDR_GUID, BDE_GUID, sizeof BDE_GUID) == 0) {
		size_t at = *to_go ? BDE_HDR_TOGO_METADATA_OFFSETS : BDE_HDR_METADATA_OFFSETS;
		for (int i = 0; i < 3; i++)
			offsets[i] = le64_at(p + at + 8 * i);
		return;
	}
	/* Vista names only the first copy, by cluster number. */
	uint64_t cluster = (uint64_t)le16_at(p + BDE_HDR_BYTES_PER_SECTOR) *
			   p[BDE_HDR_SECTORS_PER_CLUSTER];
	uint64_t lcn = le64_at(p + BDE_HDR_VISTA_METADATA_LCN);
	offsets[0] = cluster != 0 && lcn <= UINT64_MAX / cluster ? lcn * cluster : 0;
	offsets[1] = offsets[2] = 0;
}

static char *utf16le_text(ByteSpan s)
{
	size_t units = s.size / 2;
	gunichar2 *tmp = g_new(gunichar2, units + 1);
	for (size_t i = 0; i < units; i++)
		tmp[i] = le16_at(s.data + 2 * i);
	tmp[units] = 0;
	char *text = g_utf16_to_utf8(tmp, -1, NULL, NULL, NULL);
	g_free(tmp);
	return text != NULL ? text : g_strdup("");
}

static void info_clear(BitlockerInfo *info)
{
	g_free(info->method);
	g_free(info->volume_identifier);
	g_free(info->description);
	for (size_t i = 0; i < info->protector_count; i++) {
		g_free(info->protectors[i].type);
		g_free(info->protectors[i].identifier);
	}
	g_free(info->protectors);
	bool to_go = info->to_go;
	*info = (BitlockerInfo){ .to_go = to_go };
}

/* CRC-32 (IEEE, reflected); the validated range is under 64 KiB, so no table. */
static uint32_t crc32_ieee(ByteSpan s)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < s.size; i++) {
		crc ^= s.data[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* Windows 7+ follows each metadata block copy with a CRC-32 of it: a copy that fails it
 * is torn or damaged, and another copy must be used. */
static bool fve_block_check(ByteSpan block, GError **error)
{
	size_t size = (size_t)le16_at(block.data + FVE_BLOCK_UNITS) * 16;
	if (!span_has(block, size, FVE_VALID_MIN_SIZE) ||
	    le16_at(block.data + size + FVE_VALID_VERSION) != 2)
		return true; /* no validation record (Vista): nothing to check */
	uint32_t stored = le32_at(block.data + size + FVE_VALID_CRC32);
	uint32_t computed = crc32_ieee(span_sub(block, 0, size));
	if (stored != computed)
		return rfs_set_corrupt(error, "FVE metadata block: CRC-32 0x%08" PRIx32 ", computed 0x%08" PRIx32,
				       stored, computed);
	return true;
}

/* Decodes the header and entries of one FVE metadata block (block header at offset 0). */
static bool fve_metadata_parse(ByteSpan block, FveHeader *fve, BitlockerInfo *info,
			       GError **error)
{
	if (!span_has(block, 0, FVE_META_ENTRIES) || memcmp(block.data, "-FVE-FS-", 8) != 0)
		return rfs_set_corrupt(error, "FVE metadata block: no -FVE-FS- signature");
	const uint8_t *p = block.data;
	uint32_t meta_size = le32_at(p + FVE_META_SIZE);
	if (meta_size < FVE_META_ENTRIES - FVE_META_SIZE || !span_has(block, FVE_META_SIZE, meta_size))
		return rfs_set_corrupt(error, "FVE metadata block: metadata size %" PRIu32 " of %zu bytes",
				       meta_size, block.size - FVE_META_SIZE);
	if (!fve_block_check(block, error))
		return false;
	fve->current_state = le16_at(p + FVE_BLOCK_CURRENT_STATE);
	fve->next_state = le16_at(p + FVE_BLOCK_NEXT_STATE);
	fve->encrypted_size_bytes = le64_at(p + FVE_BLOCK_ENCRYPTED_SIZE);
	fve->method = le16_at(p + FVE_META_METHOD);

	info_clear(info);
	info->method = method_text(fve->method);
	info->volume_identifier = guid_text(p + FVE_META_VOLUME_GUID);
	info->creation_time = (int64_t)le64_at(p + FVE_META_CREATION_TIME);
	GArray *prot = g_array_new(FALSE, TRUE, sizeof(BitlockerProtector));
	ByteSpan entries = span_sub(block, FVE_META_ENTRIES, FVE_META_SIZE + meta_size - FVE_META_ENTRIES);
	for (size_t off = 0; span_has(entries, off, FVE_ENTRY_DATA);) {
		const uint8_t *e = entries.data + off;
		uint16_t size = le16_at(e + FVE_ENTRY_SIZE);
		if (size < FVE_ENTRY_DATA || !span_has(entries, off, size))
			break; /* padding or a torn tail: what came before is still good */
		uint16_t type = le16_at(e + FVE_ENTRY_TYPE), value = le16_at(e + FVE_ENTRY_VALUE);
		if (type == FVE_ENTRY_TYPE_DESCRIPTION && value == FVE_VALUE_STRING &&
		    info->description == NULL) {
			info->description = utf16le_text(span_sub(entries, off + FVE_ENTRY_DATA,
								  size - FVE_ENTRY_DATA));
		} else if (type == FVE_ENTRY_TYPE_VMK && value == FVE_VALUE_VMK && size >= FVE_VMK_MIN_SIZE) {
			BitlockerProtector bp = { protection_text(le16_at(e + FVE_VMK_PROTECTION)),
						  guid_text(e + FVE_VMK_GUID) };
			g_array_append_val(prot, bp);
		}
		off += size;
	}
	if (info->description == NULL)
		info->description = g_strdup("");
	info->protector_count = prot->len;
	info->protectors = (BitlockerProtector *)(void *)g_array_free(prot, FALSE);
	return true;
}

/* Reads the volume header and the first readable FVE metadata block copy. */
static bool fve_read(BitlockerVolume *vol, GError **error)
{
	uint8_t hdr[BDE_HDR_SIZE];
	if (!block_source_read(vol->parent, 0, hdr, sizeof hdr, error))
		return false;
	if (!bitlocker_probe(byte_span(hdr, sizeof hdr)))
		return rfs_set_error(error, RFS_ERROR_INVALID, "not a BitLocker volume");
	uint16_t bps = le16_at(hdr + BDE_HDR_BYTES_PER_SECTOR);
	vol->source.sector_size = bps >= 512 && bps <= 4096 && (bps & (bps - 1)) == 0
				  ? bps : vol->parent->sector_size;
	uint64_t offsets[3];
	bool eow = false;
	fve_block_offsets(byte_span(hdr, sizeof hdr), offsets, &vol->info.to_go, &eow);

	g_autofree uint8_t *block = g_malloc(FVE_META_MAX_BYTES);
	g_autoptr(GError) first = NULL;
	for (int i = 0; i < 3; i++) {
		g_autoptr(GError) local = NULL;
		uint64_t size = vol->parent->size_bytes;
		if (offsets[i] == 0 || offsets[i] >= size)
			continue;
		size_t want = (size_t)MIN((uint64_t)FVE_META_MAX_BYTES, size - offsets[i]);
		if (block_source_read(vol->parent, offsets[i], block, want, &local) &&
		    fve_metadata_parse(byte_span(block, want), &vol->fve, &vol->info, &local)) {
			vol->fve.eow = eow;
			vol->fve.copy = i;
			return true;
		}
		g_debug("FVE metadata copy %d at %" PRIu64 ": %s", i + 1, offsets[i], local->message);
		if (first == NULL)
			first = g_steal_pointer(&local);
	}
	if (first != NULL) {
		g_propagate_error(error, g_steal_pointer(&first));
		return false;
	}
	return rfs_set_corrupt(error, "the BitLocker header names no FVE metadata block inside the volume");
}

/* ---- secrets ------------------------------------------------------------------------------ */

/* A page-aligned buffer kept out of core dumps and, where allowed, out of swap. */
static uint8_t *secret_new(size_t size, size_t *mapped)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	*mapped = (size + page - 1) / page * page;
	void *p = mmap(NULL, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, *mapped, MADV_DONTDUMP);
	(void)mlock(p, *mapped);
	return p;
}

static void secret_free(uint8_t *p, size_t mapped)
{
	if (p == NULL)
		return;
	explicit_bzero(p, mapped);
	(void)munlock(p, mapped);
	munmap(p, mapped);
}

/* Checks a 48-digit recovery password (8 groups of 6 digits, dashes optional) and writes
 * the dashed form libbde wants into out[55]. Each group is a multiple of 11 below
 * 11 * 65536: it encodes 16 bits of the key. Messages never quote the digits. */
static bool recovery_password_normalise(const uint8_t *data, size_t size, char out[55],
					GError **error)
{
	size_t digits = 0;
	while (size > 0 && g_ascii_isspace(data[size - 1])) /* a key file's newline */
		size--;
	while (size > 0 && g_ascii_isspace(data[0])) {
		data++;
		size--;
	}
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '-' && digits % 6 == 0 && digits > 0 && digits < 48 && data[i - 1] != '-')
			continue;
		if (!g_ascii_isdigit(data[i]))
			return rfs_set_error(error, RFS_ERROR_INVALID,
					     "recovery password: character %zu is neither a digit nor a dash between groups of 6",
					     i + 1);
		if (digits < 48)
			out[digits / 6 * 7 + digits % 6] = (char)data[i];
		digits++;
	}
	if (digits != 48)
		return rfs_set_error(error, RFS_ERROR_INVALID,
				     "recovery password has %zu digits; expected 48 digits in 8 groups of 6 (dashes optional)",
				     digits);
	for (unsigned g = 0; g < 8; g++) {
		uint32_t value = 0;
		for (unsigned k = 0; k < 6; k++)
			value = value * 10 + (uint32_t)(out[g * 7 + k] - '0');
		if (g < 7)
			out[g * 7 + 6] = '-';
		if (value % 11 != 0 || value / 11 >= 65536)
			return rfs_set_error(error, RFS_ERROR_INVALID,
					     "recovery password: group %u fails its checksum (each 6-digit group is a multiple of 11 below 720896); check that group for a typo",
					     g + 1);
	}
	return true;
}

/* ---- libbde volume ------------------------------------------------------------------------- */

typedef enum { BDE_OPEN_OK, BDE_OPEN_LOCKED, BDE_OPEN_FAILED } BdeOpenResult;

static void bde_close(BitlockerVolume *vol)
{
	if (vol->bde != NULL) {
		(void)libbde_volume_close(vol->bde, NULL);
		(void)libbde_volume_free(&vol->bde, NULL);
	}
	if (vol->bfio != NULL)
		(void)libbfio_handle_free(&vol->bfio, NULL);
	vol->adapter = NULL;
}

/* Hands a key to an unopened libbde volume: 1 set, 0 rejected by libbde, -1 error. */
static int bde_apply_key(BitlockerVolume *vol, RfsKeyKind kind, const uint8_t *key,
			 size_t key_size, libbde_error_t **lerr)
{
	uint16_t m = vol->fve.method;
	switch (kind) {
	case RFS_KEY_PASSWORD:
		return libbde_volume_set_utf8_password(vol->bde, key, key_size, lerr);
	case RFS_KEY_RECOVERY_PASSWORD:
		return libbde_volume_set_utf8_recovery_password(vol->bde, key, key_size, lerr);
	case RFS_KEY_STARTUP_KEY:
		return libbde_volume_read_startup_key(vol->bde, (const char *)key, lerr);
	case RFS_KEY_FVEK: {
		/* The Elephant diffuser's FVEK datum holds the FVEK and the TWEAK key in
		 * two halves; XTS keeps both of its keys in the FVEK, as libbde wants it. */
		bool two = m == LIBBDE_ENCRYPTION_METHOD_AES_128_CBC_DIFFUSER ||
			   m == LIBBDE_ENCRYPTION_METHOD_AES_256_CBC_DIFFUSER;
		size_t half = two ? key_size / 2 : key_size;
		return libbde_volume_set_keys(vol->bde, key, half, key + half, key_size - half, lerr);
	}
	}
	return -1;
}

/* (Re)opens the volume with libbde, with a key or (key == NULL) without. On FAILED the
 * error says what libbde said; on LOCKED no error is set. */
static BdeOpenResult bde_open(BitlockerVolume *vol, RfsKeyKind kind, const uint8_t *key,
			      size_t key_size, GError **error)
{
	libbde_error_t *lerr = NULL;
	int rc;

	bde_close(vol);
	vol->bfio = adapter_handle_new(vol->parent, &vol->adapter, error);
	if (vol->bfio == NULL)
		return BDE_OPEN_FAILED;
	if (libbde_volume_initialize(&vol->bde, &lerr) != 1)
		goto failed;
	if (key != NULL) {
		rc = bde_apply_key(vol, kind, key, key_size, &lerr);
		if (rc == 0) {
			bde_close(vol);
			return BDE_OPEN_LOCKED;
		}
		if (rc < 0)
			goto failed;
	}
	rc = libbde_volume_open_file_io_handle(vol->bde, vol->bfio, LIBBDE_OPEN_READ, &lerr);
	if (rc < 0)
		goto failed;
	if (rc == 1)
		rc = libbde_volume_is_locked(vol->bde, &lerr);
	else
		rc = 1;
	if (rc < 0)
		goto failed;
	return rc == 0 ? BDE_OPEN_OK : BDE_OPEN_LOCKED;
failed : {
	g_autofree char *text = bde_error_text(lerr);
	if (vol->adapter != NULL && vol->adapter->last_error != NULL)
		rfs_set_io(error, "%s", vol->adapter->last_error);
	else
		rfs_set_error(error, RFS_ERROR_UNSUPPORTED, "libbde: %s", text);
	bde_close(vol);
	return BDE_OPEN_FAILED;
}
}

/* Replaces what fve_metadata_parse() found by libbde's view, field by field where it
 * answers. This libbde reads the first metadata copy without checking its CRC-32, so
 * when that copy failed the check, only our own reading of a good copy is kept. */
static void info_from_bde(BitlockerVolume *vol)
{
	BitlockerInfo *info = &vol->info;
	uint16_t method = 0;
	uint8_t guid[16];
	uint64_t filetime = 0;
	size_t desc_size = 0;
	int count = 0;

	if (vol->fve.copy != 0) {
		g_debug("FVE metadata copy 1 is damaged; describing the volume from copy %d",
			vol->fve.copy + 1);
		return;
	}
	if (libbde_volume_get_encryption_method(vol->bde, &method, NULL) == 1) {
		g_free(info->method);
		info->method = method_text(method);
	}
	if (libbde_volume_get_volume_identifier(vol->bde, guid, sizeof guid, NULL) == 1) {
		g_free(info->volume_identifier);
		info->volume_identifier = guid_text(guid);
	}
	if (libbde_volume_get_creation_time(vol->bde, &filetime, NULL) == 1)
		info->creation_time = (int64_t)filetime;
	if (libbde_volume_get_utf8_description_size(vol->bde, &desc_size, NULL) == 1 &&
	    desc_size > 0 && desc_size < 65536) {
		uint8_t *desc = g_malloc0(desc_size + 1);
		if (libbde_volume_get_utf8_description(vol->bde, desc, desc_size, NULL) == 1) {
			g_free(info->description);
			info->description = (char *)desc;
		} else {
			g_free(desc);
		}
	}
	if (libbde_volume_get_number_of_key_protectors(vol->bde, &count, NULL) != 1 || count <= 0)
		return;
	BitlockerProtector *prot = g_new0(BitlockerProtector, (size_t)count);
	for (int i = 0; i < count; i++) {
		libbde_key_protector_t *kp = NULL;
		uint16_t type = 0xffff;
		memset(guid, 0, sizeof guid);
		if (libbde_volume_get_key_protector(vol->bde, i, &kp, NULL) == 1) {
			(void)libbde_key_protector_get_type(kp, &type, NULL);
			(void)libbde_key_protector_get_identifier(kp, guid, sizeof guid, NULL);
			(void)libbde_key_protector_free(&kp, NULL);
		}
		prot[i].type = protection_text(type);
		prot[i].identifier = guid_text(guid);
	}
	for (size_t i = 0; i < info->protector_count; i++) {
		g_free(info->protectors[i].type);
		g_free(info->protectors[i].identifier);
	}
	g_free(info->protectors);
	info->protectors = prot;
	info->protector_count = (size_t)count;
}

static size_t count_protectors(const BitlockerInfo *info, const char *type)
{
	size_t n = 0;
	for (size_t i = 0; i < info->protector_count; i++)
		n += strcmp(info->protectors[i].type, type) == 0;
	return n;
}

/* Why libbde refused a volume, in words that name the method or the state when our own
 * reading of the FVE metadata explains it. Windows keeps a clear key while it converts a
 * volume and while BitLocker is suspended; the block header states stay 4 (encrypted) on
 * the volumes we have seen, so those alone do not reveal an unfinished conversion. */
static char *refusal_text(const BitlockerVolume *vol, const char *bde_text, bool *named)
{
	*named = true;
	const FveHeader *f = &vol->fve;
	size_t clear = count_protectors(&vol->info, "clear key");
	if (f->method == LIBBDE_ENCRYPTION_METHOD_AES_256_XTS)
		return g_strdup_printf("encryption method AES-XTS 256 is not supported by this libbde (%s)",
				       bde_text);
	if (method_name(f->method) == NULL)
		return g_strdup_printf("unknown encryption method 0x%04x (%s)", f->method, bde_text);
	if (f->current_state != FVE_STATE_ENCRYPTED || f->next_state != FVE_STATE_ENCRYPTED)
		return g_strdup_printf("the volume is partially encrypted (conversion state %u, next %u); this libbde reads only fully encrypted volumes (%s)",
				       f->current_state, f->next_state, bde_text);
	if (f->eow && clear > 0)
		return g_strdup_printf("the volume is partially encrypted: Windows had not finished encrypting it (used-space-only conversion, clear key still present); this libbde cannot read it (%s)",
				       bde_text);
	if (f->eow)
		return g_strdup_printf("the volume uses encrypt-on-write (used-space-only encryption), which this libbde cannot read (%s)",
				       bde_text);
	if (f->encrypted_size_bytes < vol->parent->size_bytes)
		return g_strdup_printf("the volume is partially encrypted (%" PRIu64 " of %" PRIu64 " bytes); this libbde reads only fully encrypted volumes (%s)",
				       f->encrypted_size_bytes, vol->parent->size_bytes, bde_text);
	if (clear > 0 && clear == vol->info.protector_count)
		return g_strdup_printf("BitLocker is suspended (the volume has only a clear key), and this libbde cannot read that key (%s)",
				       bde_text);
	*named = false;
	return g_strdup_printf("libbde cannot open this %s volume: %s", method_name(f->method), bde_text);
}

static void mark_unlocked(BitlockerVolume *vol)
{
	size64_t size = 0;
	if (libbde_volume_get_size(vol->bde, &size, NULL) != 1 || size == 0)
		size = vol->parent->size_bytes;
	vol->source.size_bytes = size;
	vol->unlocked = true;
}

BitlockerVolume *bitlocker_volume_open(BlockSource *parent, GError **error)
{
	g_return_val_if_fail(parent != NULL, NULL);
	BitlockerVolume *vol = g_new0(BitlockerVolume, 1);
	vol->parent = parent;
	g_mutex_init(&vol->lock);
	if (!fve_read(vol, error)) {
		g_prefix_error(error, "BitLocker: ");
		bitlocker_volume_free(vol);
		return NULL;
	}

	g_autoptr(GError) local = NULL;
	switch (bde_open(vol, RFS_KEY_PASSWORD, NULL, 0, &local)) {
	case BDE_OPEN_OK: /* a clear key: BitLocker is suspended */
		info_from_bde(vol);
		mark_unlocked(vol);
		break;
	case BDE_OPEN_LOCKED:
		info_from_bde(vol);
		break;
	case BDE_OPEN_FAILED:
		if (g_error_matches(local, RFS_ERROR, RFS_ERROR_IO)) {
			g_propagate_prefixed_error(error, g_steal_pointer(&local), "BitLocker: ");
			bitlocker_volume_free(vol);
			return NULL;
		}
		bool named;
		vol->refusal = refusal_text(vol, local->message, &named);
		break;
	}
	return vol;
}

const BitlockerInfo *bitlocker_volume_info(BitlockerVolume *vol)
{
	return &vol->info;
}

const char *bitlocker_volume_refusal(BitlockerVolume *vol)
{
	return vol->refusal;
}

bool bitlocker_volume_is_locked(BitlockerVolume *vol)
{
	return !vol->unlocked;
}

static const char *kind_name(RfsKeyKind kind)
{
	switch (kind) {
	case RFS_KEY_PASSWORD: return "password";
	case RFS_KEY_RECOVERY_PASSWORD: return "recovery password";
	case RFS_KEY_STARTUP_KEY: return "startup key";
	case RFS_KEY_FVEK: return "full-volume encryption key";
	}
	return "key";
}

/* The protector list as "password, recovery password". */
static char *protector_list(const BitlockerInfo *info)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < info->protector_count; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", info->protectors[i].type);
	return g_string_free(s, FALSE);
}

static bool has_protector(const BitlockerInfo *info, RfsKeyKind kind)
{
	if (kind == RFS_KEY_FVEK || info->protector_count == 0)
		return true;
	for (size_t i = 0; i < info->protector_count; i++)
		if (strcmp(info->protectors[i].type, kind_name(kind)) == 0)
			return true;
	return false;
}

static bool unlock_with(BitlockerVolume *vol, RfsKeyKind kind, const uint8_t *key,
			size_t key_size, GError **error)
{
	g_autoptr(GError) local = NULL;
	switch (bde_open(vol, kind, key, key_size, &local)) {
	case BDE_OPEN_OK:
		break;
	case BDE_OPEN_LOCKED: {
		/* This libbde keeps one VMK per protector type: the first in metadata order. */
		size_t same = count_protectors(&vol->info, kind_name(kind));
		if (same > 1)
			return rfs_set_error(error, RFS_ERROR_LOCKED,
					     "wrong %s (the volume has %zu %s protectors; this libbde tries only the first)",
					     kind_name(kind), same, kind_name(kind));
		return rfs_set_error(error, RFS_ERROR_LOCKED, "wrong %s", kind_name(kind));
	}
	case BDE_OPEN_FAILED:
		if (g_error_matches(local, RFS_ERROR, RFS_ERROR_IO)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return false;
		}
		if (kind == RFS_KEY_STARTUP_KEY)
			return rfs_set_error(error, RFS_ERROR_LOCKED,
					     "wrong startup key: %s does not unlock this volume (%s)",
					     (const char *)key, local->message);
		if (kind == RFS_KEY_FVEK) /* libbde cannot tell a wrong FVEK until it decrypts */
			return rfs_set_error(error, RFS_ERROR_LOCKED,
					     "wrong full-volume encryption key, or not one for %s (%s)",
					     vol->info.method, local->message);
		/* Opened without a key but not with a good one: when our reading of the
		 * metadata names the cause (AES-XTS 256), every later attempt is refused too. */
		bool named;
		g_autofree char *text = refusal_text(vol, local->message, &named);
		if (named)
			vol->refusal = g_strdup(text);
		return rfs_set_unsupported(error, "%s", text);
	}
	mark_unlocked(vol);
	return true;
}

bool bitlocker_volume_unlock(BitlockerVolume *vol, RfsKeyKind kind, const uint8_t *data,
			     size_t size, GError **error)
{
	g_return_val_if_fail(vol != NULL && (data != NULL || size == 0), false);
	if (vol->unlocked)
		return true;
	if (vol->refusal != NULL)
		return rfs_set_unsupported(error, "BitLocker: %s", vol->refusal);
	if (size == 0)
		return rfs_set_error(error, RFS_ERROR_LOCKED, "BitLocker: no %s given", kind_name(kind));
	if (!has_protector(&vol->info, kind)) {
		g_autofree char *list = protector_list(&vol->info);
		return rfs_set_error(error, RFS_ERROR_LOCKED,
				     "BitLocker: this volume has no %s protector (it has: %s)",
				     kind_name(kind), list);
	}

	bool ok;
	if (kind == RFS_KEY_RECOVERY_PASSWORD) {
		size_t mapped = 0;
		uint8_t *dashed = secret_new(55, &mapped);
		if (dashed == NULL)
			return rfs_set_io(error, "BitLocker: out of memory for the recovery password");
		ok = recovery_password_normalise(data, size, (char *)dashed, error) &&
		     unlock_with(vol, kind, dashed, 55, error);
		secret_free(dashed, mapped);
	} else if (kind == RFS_KEY_STARTUP_KEY) {
		g_autofree char *path = g_strndup((const char *)data, size);
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return rfs_set_error(error, RFS_ERROR_NOT_FOUND,
					     "BitLocker: startup key %s: no such file", path);
		ok = unlock_with(vol, kind, (const uint8_t *)path, size, error);
	} else {
		ok = unlock_with(vol, kind, data, size, error);
	}
	if (!ok)
		g_prefix_error(error, "BitLocker: ");
	return ok;
}

/* ---- the decrypted source ------------------------------------------------------------------ */

static bool bde_source_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
			       GError **error)
{
	BitlockerVolume *vol = (BitlockerVolume *)self;
	uint8_t *out = buf;

	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "BitLocker: read of %zu bytes at %" PRIu64 " is past the end (%" PRIu64 " bytes)",
				  length, offset, self->size_bytes);
	/* One call per request: libbde decrypts sector by sector, and the adapter below
	 * reads the ciphertext ahead in large chunks. */
	g_mutex_lock(&vol->lock);
	if (vol->adapter != NULL)
		g_clear_pointer(&vol->adapter->last_error, g_free);
	while (length > 0) {
		libbde_error_t *lerr = NULL;
		size_t chunk = MIN(length, (size_t)SSIZE_MAX);
		ssize_t n = libbde_volume_read_buffer_at_offset(vol->bde, out, chunk, (off64_t)offset, &lerr);
		if (n <= 0) {
			g_autofree char *text = bde_error_text(lerr);
			if (vol->adapter != NULL && vol->adapter->last_error != NULL)
				rfs_set_io(error, "BitLocker: read at %" PRIu64 ": %s", offset,
					   vol->adapter->last_error);
			else
				rfs_set_io(error, "BitLocker: read at %" PRIu64 ": libbde: %s", offset, text);
			g_mutex_unlock(&vol->lock);
			return false;
		}
		out += n;
		offset += (uint64_t)n;
		length -= (size_t)n;
	}
	g_mutex_unlock(&vol->lock);
	return true;
}

static void bde_source_close(BlockSource *self)
{
	bitlocker_volume_free((BitlockerVolume *)self);
}

BlockSource *bitlocker_volume_source(BitlockerVolume *vol)
{
	g_return_val_if_fail(vol != NULL && vol->unlocked && vol->bde != NULL, NULL);
	vol->source.read_at = bde_source_read_at;
	vol->source.close = bde_source_close;
	return &vol->source;
}

void bitlocker_volume_free(BitlockerVolume *vol)
{
	if (vol == NULL)
		return;
	bde_close(vol);
	info_clear(&vol->info);
	g_free(vol->refusal);
	g_mutex_clear(&vol->lock);
	g_free(vol);
}
