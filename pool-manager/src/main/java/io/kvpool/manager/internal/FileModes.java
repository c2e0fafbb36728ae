package io.kvpool.manager.internal;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The modes of the manager's files: the region, the index and its lock, the media driver's directory. Only the
 * service's user, and the engine group when one is configured, may open them: owner-only ({@code 0600} files,
 * {@code 0700} directories) without a group, owner and group ({@code 0660}, {@code 0770}) with one. A directory's mode
 * guards everything in it, whatever the files' own modes (the media driver creates its files with the process's
 * umask). A devdax device is left to the system's udev rules (the Ansible role sets them). Stateless.
 */
public final class FileModes
{
    private FileModes()
    {
    }

    /**
     * @param path      a file or directory the manager created or owns.
     * @param group     the engine group, or {@code null} for owner-only.
     * @throws PoolException {@link ErrorCode#CONFIG_INVALID} for a group this host does not know, or when the mode
     *                       cannot be set.
     */
    public static void restrict(final Path path, final String group)
    {
        final boolean directory = Files.isDirectory(path);
        final String mode = group == null ? (directory ? "rwx------" : "rw-------") :
            (directory ? "rwxrwx---" : "rw-rw----");
        try
        {
            final PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            if (view == null)
            {
                return;
            }
            if (group != null)
            {
                final GroupPrincipal principal;
                try
                {
                    principal = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                }
                catch (final IOException ex)
                {
                    throw new PoolException(ErrorCode.CONFIG_INVALID, "group=" + group + " is not a group of this " +
                        "host: create it (the Ansible role does: kvpool_engine_group) or leave group unset", ex);
                }
                view.setGroup(principal);
            }
            view.setPermissions(PosixFilePermissions.fromString(mode));
        }
        catch (final IOException ex)
        {
            throw new PoolException(ErrorCode.CONFIG_INVALID, "cannot set mode " + mode + " on " + path + ": " + ex,
                ex);
        }
    }
}
