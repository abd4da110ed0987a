/* Entry points of the vanish subcommands, one file each (cmd_<name>.c). */
#ifndef VANISH_TOOLS_COMMANDS_H
#define VANISH_TOOLS_COMMANDS_H

int cmd_inpaint(int argc, char **argv);

int cmd_info(int argc, char **argv);

int cmd_detect_overlay(int argc, char **argv);

int cmd_segment(int argc, char **argv);

int cmd_gui(int argc, char **argv);

int cmd_track(int argc, char **argv);

int cmd_remove(int argc, char **argv);

int cmd_flow(int argc, char **argv);

#endif
