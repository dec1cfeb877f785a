#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return jira_alerts::cli::run(argc, argv);
}
