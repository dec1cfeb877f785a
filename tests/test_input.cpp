#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "read/input.hpp"
#include "testutil.hpp"
#include "util/error.hpp"
#include "util/shared_library.hpp"

using jira_alerts::read::ByteStream;
using jira_alerts::test::TempDir;

namespace {

// Everything a ByteStream gives, read in small pieces.
std::string read_all(ByteStream& in) {
  std::string out;
  char buffer[1000];
  while (const std::size_t n = in.read(buffer, sizeof buffer)) out.append(buffer, n);
  return out;
}

std::string gzip(const std::string& content) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, content.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
  z.avail_in = static_cast<uInt>(content.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// CONTENT compressed with libarchive's FILTER (ARCHIVE_FILTER_XZ, ...), as one raw stream.
std::string compress(const std::string& content, int filter) {
  archive* a = archive_write_new();
  REQUIRE(archive_write_add_filter(a, filter) == ARCHIVE_OK);
  REQUIRE(archive_write_set_format_raw(a) == ARCHIVE_OK);
  std::string out(content.size() + 4096, '\0');
  std::size_t used = 0;
  REQUIRE(archive_write_open_memory(a, out.data(), out.size(), &used) == ARCHIVE_OK);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
  REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
  REQUIRE(archive_write_data(a, content.data(), content.size()) ==
          static_cast<la_ssize_t>(content.size()));
  archive_entry_free(entry);
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

const std::string ndjson = "{\"a\":1}\n{\"b\":2}\n";

}  // namespace

TEST_SUITE("read.stream") {
  TEST_CASE("ByteStream reads plain text as it is") {
    const TempDir dir;
    ByteStream in(dir.write("plain.json", ndjson));
    CHECK(read_all(in) == ndjson);
    CHECK(in.damage().empty());
  }

  TEST_CASE("ByteStream reads every gzip member") {
    const TempDir dir;
    ByteStream in(dir.write("two.json.gz", gzip("{\"a\":1}\n") + gzip("{\"b\":2}\n")));
    CHECK(read_all(in) == ndjson);
    CHECK(in.damage().empty());
  }

  TEST_CASE("ByteStream reports data after the end of a gzip stream, with its offset") {
    const TempDir dir;
    const std::string zipped = gzip("{\"a\":1}\n");
    SUBCASE("plain NDJSON appended") {
      ByteStream in(dir.write("more.json.gz", zipped + "{\"b\":2}\n"));
      CHECK(read_all(in) == "{\"a\":1}\n");
      CHECK(in.damage().find("data after the end of the gzip stream, from byte " +
                             std::to_string(zipped.size() + 1) + " of the file") == 0);
    }
    SUBCASE("one stray byte, also the 0x1f that starts a gzip header") {
      for (const std::string stray : {"x", "\x1f"}) {
        ByteStream in(dir.write("stray.json.gz", zipped + stray));
        CHECK(read_all(in) == "{\"a\":1}\n");
        CHECK(in.damage().find("data after the end of the gzip stream") == 0);
      }
    }
  }

  TEST_CASE("ByteStream keeps what comes before damaged gzip data") {
    const TempDir dir;
    std::string content;
    for (int i = 0; i < 2000; ++i) content += "{\"n\":" + std::to_string(i) + "}\n";
    const std::string zipped = gzip(content);
    SUBCASE("cut short") {
      ByteStream in(dir.write("cut.json.gz", zipped.substr(0, zipped.size() / 2)));
      const std::string got = read_all(in);
      CHECK_FALSE(got.empty());
      CHECK(content.rfind(got, 0) == 0);
      CHECK(in.damage() ==
            "gzip data cut short (unexpected end of file): the rest of the file cannot be read");
    }
    SUBCASE("corrupt") {
      std::string broken = zipped;
      broken[broken.size() - 3] ^= 0x55;  // the length in the trailer
      ByteStream in(dir.write("bad.json.gz", broken));
      CHECK(read_all(in) == content);
      CHECK(in.damage().find("gzip data corrupt (") == 0);
    }
  }

  TEST_CASE("ByteStream reads xz, zstd and bzip2 whatever the file's name") {
    const TempDir dir;
    for (const int filter : {ARCHIVE_FILTER_XZ, ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_BZIP2}) {
      CAPTURE(filter);
      ByteStream in(dir.write("capture.json", compress(ndjson, filter)));
      CHECK(read_all(in) == ndjson);
      CHECK(in.damage().empty());
    }
  }

  TEST_CASE("ByteStream reports damaged and trailing data of the other formats") {
    const TempDir dir;
    std::string content;
    for (int i = 0; i < 50000; ++i) content += "{\"n\":" + std::to_string(i) + "}\n";
    for (const auto& [filter, name] :
         {std::pair{ARCHIVE_FILTER_XZ, "xz"}, std::pair{ARCHIVE_FILTER_ZSTD, "zstd"},
          std::pair{ARCHIVE_FILTER_BZIP2, "bzip2"}}) {
      CAPTURE(name);
      const std::string packed = compress(content, filter);
      {
        ByteStream in(dir.write("cut", packed.substr(0, packed.size() - 10)));
        const std::string got = read_all(in);
        CHECK(content.rfind(got, 0) == 0);
        CHECK(in.damage().find(std::string(name) + " data corrupt (") == 0);
      }
      {
        ByteStream in(dir.write("trailing", packed + "{\"b\":2}\n"));
        const std::string got = read_all(in);
        CHECK(content.rfind(got, 0) == 0);
        CHECK_FALSE(in.damage().empty());
      }
    }
  }

  TEST_CASE("ByteStream rejects a binary file") {
    const TempDir dir;
    ByteStream in(dir.write("image.json", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)));
    CHECK(read_all(in).empty());
    CHECK(in.damage() == "not JSON text (binary)");
    // Compressed binary is binary too.
    ByteStream zipped(dir.write("archive.json.gz", gzip(std::string("data.bin\0\0\0\0", 12))));
    CHECK(read_all(zipped).empty());
    CHECK(zipped.damage() == "not JSON text (binary)");
  }

  TEST_CASE("ByteStream names a tar archive, compressed or not") {
    const TempDir dir;
    std::string header(512, '\0');
    header.replace(0, 6, "a.json");
    header.replace(257, 6, std::string("ustar\0", 6));
    const std::string archive = header + "{}\n" + std::string(1021, '\0');
    for (const auto& [name, bytes] :
         {std::pair{"payloads.tar", archive}, std::pair{"payloads.tar.gz", gzip(archive)}}) {
      ByteStream in(dir.write(name, bytes));
      CHECK(read_all(in).empty());
      CHECK(in.damage() == "not JSON text (a tar archive: extract it, then replay the files)");
    }
  }
}

TEST_SUITE("read.input") {
  using jira_alerts::read::expand_operands;
  using jira_alerts::read::WalkFilter;

  TEST_CASE("expand_operands walks captures only, with --include and --exclude") {
    const TempDir dir;
    for (const char* name :
         {"a.json", "b.ndjson.gz", "c.jsonl.xz", "d.JSON", "e.json.zst", "f.ndjson.bz2",
          "notes.txt", "run.log", "sub/g.json", "sub/h.txt", "old/i.json", ".hidden/j.json"})
      dir.write(name, "{}\n");
    const std::string root = dir.path().string();
    const auto names = [&](const std::vector<std::string>& files) {
      std::vector<std::string> out;
      for (const auto& f : files) out.push_back(f.substr(root.size() + 1));
      return out;
    };
    SUBCASE("by default: JSON, NDJSON and JSON Lines, compressed or not") {
      const auto inputs = expand_operands({root});
      CHECK(names(inputs.files) == std::vector<std::string>{"a.json", "b.ndjson.gz", "c.jsonl.xz",
                                                            "d.JSON", "e.json.zst", "f.ndjson.bz2",
                                                            "old/i.json", "sub/g.json"});
      CHECK(inputs.skipped == 3);  // notes.txt, run.log, sub/h.txt
      CHECK(inputs.empty_directories.empty());
    }
    SUBCASE("a directory that gives no file is named, however many it left out") {
      dir.write("empty/sub/k.txt", "");
      WalkFilter filter;
      filter.exclude = {"*.json"};
      const auto inputs = expand_operands({root + "/empty", root + "/sub", root + "/old"}, filter);
      CHECK(names(inputs.files).empty());
      CHECK(inputs.empty_directories ==
            std::vector<std::string>{root + "/empty", root + "/sub", root + "/old"});
      CHECK(inputs.skipped == 4);  // empty/sub/k.txt, sub/g.json, sub/h.txt, old/i.json
    }
    SUBCASE("--include replaces the default, --exclude leaves files and directories out") {
      WalkFilter filter;
      filter.include = {"*.txt", "*.json"};
      filter.exclude = {"old", "a.*"};
      const auto inputs = expand_operands({root}, filter);
      CHECK(names(inputs.files) ==
            std::vector<std::string>{"notes.txt", "sub/g.json", "sub/h.txt"});
      CHECK(inputs.skipped == 7);  // a.json, and the six that match no --include
    }
    SUBCASE("a glob with '/' matches the path below the directory") {
      WalkFilter filter;
      filter.include = {"sub/*"};
      CHECK(names(expand_operands({root}, filter).files) ==
            std::vector<std::string>{"sub/g.json", "sub/h.txt"});
    }
    SUBCASE("files named on the command line are read whatever their names") {
      WalkFilter filter;
      filter.exclude = {"*"};
      CHECK(expand_operands({root + "/notes.txt"}, filter).files ==
            std::vector<std::string>{root + "/notes.txt"});
    }
  }

  TEST_CASE("expand_operands never reads the state file or its companions") {
    const TempDir dir;
    dir.write("in/a.json", "{}\n");
    const std::string db = dir.write("in/state.json", "not a capture");
    dir.write("in/state.json-wal", "");
    dir.write("in/state.json-shm", "");
    std::filesystem::create_symlink(db, dir.file("link.db"));
    WalkFilter filter;
    filter.include = {"*"};
    // By another name (a link), by device and inode.
    filter.not_inputs = jira_alerts::read::state_file_ids(dir.file("link.db"));
    const auto inputs = expand_operands({dir.file("in")}, filter);
    CHECK(inputs.files == std::vector<std::string>{dir.file("in/a.json")});
    CHECK(inputs.skipped == 3);
    CHECK_THROWS_AS(expand_operands({db}, filter), jira_alerts::Error);
  }

  TEST_CASE("expand_operands reads standard input once") {
    const TempDir dir;
    const std::string file = dir.write("a.json", "{}\n");
    CHECK(expand_operands({"-", file}).files == std::vector<std::string>{"-", file});
    CHECK_THROWS_WITH_AS(expand_operands({"-", file, "-"}),
                         "'-' is given twice: standard input can be read only once",
                         jira_alerts::Error);
  }

  TEST_CASE("SharedLibrary names the library, what needed it and what is missing") {
    using jira_alerts::util::SharedLibrary;
    try {
      SharedLibrary("libjira-alerts-none.so.1", "reading lz9 input");
      FAIL("a library that is not there was opened");
    } catch (const jira_alerts::Error& e) {
      const std::string message = e.what();
      CHECK(message.find(
                "reading lz9 input needs libjira-alerts-none.so.1, which cannot be loaded: ") == 0);
      CHECK(message.find("No such file") != std::string::npos);
    }
    const SharedLibrary libc("libc.so.6", "a test");
    CHECK(libc.function<decltype(strlen)>("strlen")("four") == 4);
    CHECK_THROWS_WITH(libc.function<void()>("jira_alerts_no_such_function"),
                      "a test needs jira_alerts_no_such_function from libc.so.6, which it lacks");
  }
}
