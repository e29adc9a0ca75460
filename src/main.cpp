#include "guichet/app/commands.hpp"

int main(int argc, char** argv) { return guichet::app::run_cli(argc, argv); }
