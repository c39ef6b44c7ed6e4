#include "common/read_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace dipr {
namespace {

TEST(ReadFileUpTo, ReadsAFileUpToTheCapExactly) {
  auto path = std::filesystem::temp_directory_path() / "dipr_read_file_test";
  std::ofstream(path) << std::string(1000, 'x');
  auto all = ReadFileUpTo(path, 1000);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 1000u);
  auto over = ReadFileUpTo(path, 999);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Code::kTooLarge);
  EXPECT_NE(over.status().message().find("over 999 bytes"), std::string::npos);
  std::filesystem::remove(path);
}

// `dipr verify /dev/zero` grew to 3.2 GB: a device that never ends must cost one capped read.
TEST(ReadFileUpTo, AnEndlessDeviceStopsAtTheCap) {
  auto r = ReadFileUpTo("/dev/zero", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
  EXPECT_EQ(r.status().message(), "/dev/zero is over 1 MiB");
}

TEST(ReadFileUpTo, MissingFilesAndDirectoriesAreErrorsNamingThePath) {
  auto missing = ReadFileUpTo("/nonexistent/dipr", 10);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  auto dir = ReadFileUpTo("/tmp", 10);
  EXPECT_EQ(dir.status().code(), Code::kInvalidArgument);
  EXPECT_NE(dir.status().message().find("/tmp"), std::string::npos);
}

}  // namespace
}  // namespace dipr
