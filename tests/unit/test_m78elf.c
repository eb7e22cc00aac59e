/*
 * Unit tests of the ELF loader (host/src/elf.c): a valid image with a
 * flash segment, a .data load image and zero fill lands where it should;
 * every malformed header or segment is refused with a message naming the
 * field, and leaves the target memory untouched.  Images are built in
 * memory.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "m78host/elf.h"

#define FLASH 0x10000000u
#define SRAM 0x20000000u

static uint8_t flash[4096], sram[1024];
static struct m78elf_region regions[2];

static void setup(void)
{
  memset(flash, 0xEE, sizeof flash);
  memset(sram, 0xEE, sizeof sram);
  regions[0] = (struct m78elf_region){"flash", FLASH, sizeof flash, flash};
  regions[1] = (struct m78elf_region){"SRAM", SRAM, sizeof sram, sram};
}

static void w16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}
static void w32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* An executable with two PT_LOAD segments: 16 bytes of code at FLASH
 * (file offset 0x100) and a segment at SRAM+0x10 whose 4 file bytes come
 * from offset 0x110 with memsz 12 (8 bytes of zero fill). */
static size_t make_elf(uint8_t *im)
{
  memset(im, 0, 0x120);
  memcpy(im, "\177ELF", 4);
  im[4] = 1, im[5] = 1, im[6] = 1;
  w16(im + 16, 2);
  w16(im + 18, 40);
  w32(im + 20, 1);
  w32(im + 24, FLASH + 9);
  w32(im + 28, 52); /* e_phoff */
  w16(im + 42, 32);
  w16(im + 44, 2);
  uint8_t *ph = im + 52;
  w32(ph + 0, 1), w32(ph + 4, 0x100), w32(ph + 8, FLASH), w32(ph + 12, FLASH), w32(ph + 16, 16), w32(ph + 20, 16);
  ph += 32;
  w32(ph + 0, 1), w32(ph + 4, 0x110), w32(ph + 8, SRAM + 0x10), w32(ph + 12, SRAM + 0x10), w32(ph + 16, 4),
      w32(ph + 20, 12);
  for (int i = 0; i < 16; i++)
    im[0x100 + i] = (uint8_t)(0xA0 + i);
  w32(im + 0x110, 0xCAFEF00Du);
  return 0x120;
}

static void expect_untouched(void)
{
  for (size_t i = 0; i < sizeof flash; i++)
    cr_assert_eq(flash[i], 0xEE, "flash byte %zu written", i);
  for (size_t i = 0; i < sizeof sram; i++)
    cr_assert_eq(sram[i], 0xEE, "SRAM byte %zu written", i);
}

static void expect_refused(const uint8_t *im, size_t len, const char *needle)
{
  char err[512];
  struct m78elf_info info;
  cr_assert_neq(m78elf_load(im, len, regions, 2, &info, err, sizeof err), 0, "accepted, expected: %s", needle);
  cr_assert(strstr(err, needle) != NULL, "message \"%s\" does not mention \"%s\"", err, needle);
  expect_untouched();
}

TestSuite(m78elf, .init = setup);

Test(m78elf, loads_segments_at_their_physical_addresses)
{
  uint8_t im[0x120];
  size_t len = make_elf(im);
  char err[256];
  struct m78elf_info info;
  cr_assert_eq(m78elf_load(im, len, regions, 2, &info, err, sizeof err), 0, "%s", err);
  cr_assert_eq(info.entry, FLASH + 9);
  cr_assert_eq(info.segments, 2);
  cr_assert_eq(info.loaded, 28);
  for (int i = 0; i < 16; i++)
    cr_assert_eq(flash[i], 0xA0 + i);
  cr_assert_eq(flash[16], 0xEE, "past the segment");
  uint32_t v;
  memcpy(&v, sram + 0x10, 4);
  cr_assert_eq(v, 0xCAFEF00Du);
  for (int i = 0x14; i < 0x1C; i++)
    cr_assert_eq(sram[i], 0, "zero fill at SRAM+0x%x", i);
  cr_assert_eq(sram[0x1C], 0xEE);
}

Test(m78elf, bad_magic)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  im[1] = 'X';
  expect_refused(im, n, "bad magic");
}

Test(m78elf, truncated_header)
{
  uint8_t im[0x120];
  make_elf(im);
  expect_refused(im, 40, "truncated ELF header");
}

Test(m78elf, sixty_four_bit)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  im[4] = 2;
  expect_refused(im, n, "EI_CLASS");
}
Test(m78elf, big_endian)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  im[5] = 2;
  expect_refused(im, n, "EI_DATA");
}

Test(m78elf, not_arm)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w16(im + 18, 62);
  expect_refused(im, n, "e_machine at offset 18 is 62");
}

Test(m78elf, not_executable)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w16(im + 16, 1);
  expect_refused(im, n, "e_type at offset 16 is 1");
}

Test(m78elf, program_headers_past_the_end)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w32(im + 28, 0x110);
  expect_refused(im, n, "program header table");
}

Test(m78elf, no_program_headers)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w16(im + 44, 0);
  expect_refused(im, n, "e_phnum");
}

Test(m78elf, segment_file_range_past_the_end)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w32(im + 52 + 32 + 4, 0x11E); /* second segment's p_offset: 4 bytes from 0x11E */
  expect_refused(im, n, "runs past the end of the file");
}

Test(m78elf, segment_outside_memory)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w32(im + 52 + 12, 0x30000000u); /* first segment's p_paddr */
  expect_refused(im, n, "0x30000000-0x3000000f");
}

Test(m78elf, segment_overrunning_sram)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w32(im + 52 + 32 + 20, sizeof sram); /* memsz: runs past the end of SRAM */
  expect_refused(im, n, "is not inside flash or SRAM");
}

Test(m78elf, filesz_above_memsz)
{
  uint8_t im[0x120];
  size_t n = make_elf(im);
  w32(im + 52 + 32 + 16, 16);
  expect_refused(im, n, "exceeds p_memsz");
}

Test(m78elf, missing_file)
{
  char err[512];
  struct m78elf_info info;
  cr_assert_neq(m78elf_load_file("/nonexistent/x.elf", regions, 2, &info, err, sizeof err), 0);
  cr_assert(strstr(err, "/nonexistent/x.elf") != NULL, "%s", err);
}
