package io.kvpool.manager.internal;

import java.util.Arrays;

/**
 * A growable list of ints with O(1) append, pop and swap-remove; no boxing. Not thread-safe.
 */
public final class IntList
{
    private int[] values;
    private int size;

    public IntList(final int initialCapacity)
    {
        values = new int[Math.max(4, initialCapacity)];
    }

    public int size()
    {
        return size;
    }

    public boolean isEmpty()
    {
        return size == 0;
    }

    public int get(final int index)
    {
        if (index < 0 || index >= size)
        {
            throw new IndexOutOfBoundsException("index=" + index + " size=" + size);
        }
        return values[index];
    }

    public void add(final int value)
    {
        if (size == values.length)
        {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = value;
    }

    public int removeLast()
    {
        if (size == 0)
        {
            throw new IllegalStateException("removeLast on an empty list");
        }
        return values[--size];
    }

    /**
     * Removes the element at {@code index} by moving the last element into its place.
     *
     * @param index position to remove.
     * @return the value that now sits at {@code index}, or -1 when {@code index} was the last position.
     */
    public int swapRemove(final int index)
    {
        get(index);
        size--;
        if (index == size)
        {
            return -1;
        }
        values[index] = values[size];
        return values[index];
    }

    /**
     * Removes the first occurrence of a value, keeping order. O(n).
     *
     * @param value to remove.
     * @return its former index, or -1 when absent.
     */
    public int removeValue(final int value)
    {
        for (int i = 0; i < size; i++)
        {
            if (values[i] == value)
            {
                System.arraycopy(values, i + 1, values, i, size - i - 1);
                size--;
                return i;
            }
        }
        return -1;
    }

    public boolean contains(final int value)
    {
        for (int i = 0; i < size; i++)
        {
            if (values[i] == value)
            {
                return true;
            }
        }
        return false;
    }
}
