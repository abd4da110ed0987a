/* vanish: the command-line tool. `vanish COMMAND [options]`, in the manner of git. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const CliCommand commands[] = {
    {"info", "describe a video: streams, codecs, size, frame rate, duration, frame count", cmd_info},
    {"inpaint", "fill the masked region of every frame and write the video back", cmd_inpaint},
    {"detect-overlay", "propose the mask of a static logo or watermark", cmd_detect_overlay},
    {"segment", "make an object's mask from clicks or a box on one frame", cmd_segment},
    {"gui", "serve the page that does the whole job in a browser", cmd_gui},
    {"track", "follow keyframe masks through every frame of a video", cmd_track},
    {"remove", "clicks on a frame → the object removed from the whole video", cmd_remove},
    {"flow", "dense optical flow between two images or frames, as .flo and a picture", cmd_flow},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fputs("usage: vanish [--version] [--help] COMMAND [options]\n\n"
          "Remove objects from video: make a mask, follow it, fill the hole, keep the rest.\n\n"
          "Commands:\n",
          f);
    for (const CliCommand *c = commands; c->name; c++)
        fprintf(f, "  %-16s %s\n", c->name, c->summary);
    fputs("\nSee 'vanish COMMAND --help' for the options of a command.\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("vanish %s\n", vn_version());
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        if (argc > 2 && strcmp(argv[1], "help") == 0) {
            for (const CliCommand *c = commands; c->name; c++)
                if (!strcmp(c->name, argv[2])) {
                    char *args[] = {argv[2], "--help", NULL};
                    return c->run(2, args);
                }
        }
        usage(stdout);
        return 0;
    }
    for (const CliCommand *c = commands; c->name; c++)
        if (!strcmp(c->name, argv[1]))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "vanish: '%s' is not a vanish command. See 'vanish --help'.\n", argv[1]);
    return 2;
}
