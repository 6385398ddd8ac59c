#include <array>
#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace $NS {

template <typename T>
class $T {
public:
    $T(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols) {}

    T &at(std::size_t r, std::size_t c)
    {
        if (r >= rows_ || c >= cols_)
            throw std::out_of_range("index");
        return data_[r * cols_ + c];
    }

    const T &at(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }

    $T operator*(const $T &other) const
    {
        if (cols_ != other.rows_)
            throw std::invalid_argument("shape mismatch");
        $T out(rows_, other.cols_);
        for (std::size_t i = 0; i < rows_; i++)
            for (std::size_t j = 0; j < other.cols_; j++) {
                T acc{};
                for (std::size_t k = 0; k < cols_; k++)
                    acc += at(i, k) * other.at(k, j);
                out.at(i, j) = acc;
            }
        return out;
    }

    std::size_t rows() const { return rows_; }

private:
    std::size_t rows_;
    std::size_t cols_;
    std::vector<T> data_;
};

}  // namespace $NS

int main()
{
    $NS::$T<double> a(3, 3), b(3, 3);
    for (std::size_t i = 0; i < 3; i++)
        a.at(i, i) = b.at(i, i) = 2.0;
    auto c = a * b;
    std::cout << c.at(1, 1) << " rows=" << c.rows() << std::endl;
    return 0;
}
